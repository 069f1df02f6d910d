// The video's timeline as a chart: people and faces per keyframe, each distinct person's span, moderation bands
// and where text appears, over one time axis, with the keyframes as marks to choose. Clicking anywhere on a lane
// chooses the keyframe nearest to that moment. Geometry comes from timeline-chart.ts.
import type { MouseEvent } from 'react';
import type { ResultDocument } from '#agent/contracts/result-document.js';
import { countText, formatVideoTime, keyframeFindings } from './video-keyframes.js';
import { axisTicks, nearestKeyframe, timelineChartData } from './timeline-chart.js';

const W = 1000;
const PEOPLE_H = 56;

const pct = (t: number, duration: number): string => `${Math.min(100, Math.max(0, (t / duration) * 100))}%`;
const x = (t: number, duration: number): number => (Math.min(duration, Math.max(0, t)) / duration) * W;

function Lane({ label, detail, children, height, onPick }: { label: string; detail?: string; children: React.ReactNode; height: number; onPick: (e: MouseEvent<SVGSVGElement>) => void }) {
  return (
    <div className="tl-lane" data-lane={label.toLowerCase()}>
      <span className="tl-label">
        {label}
        {detail && <span className="muted"> {detail}</span>}
      </span>
      <svg className="tl-plot" viewBox={`0 0 ${W} ${height}`} preserveAspectRatio="none" height={height} onClick={onPick} role="presentation">
        {children}
      </svg>
    </div>
  );
}

export function TimelineChart({ result, chosen, playheadSec, onChoose }: { result: ResultDocument; chosen: number | null; playheadSec: number | null; onChoose: (index: number) => void }) {
  const timeline = result.timeline ?? [];
  const data = timelineChartData(result);
  const { duration } = data;
  const times = timeline.map((e) => e.t);
  const pick = (e: MouseEvent<SVGSVGElement>): void => {
    const box = e.currentTarget.getBoundingClientRect();
    if (box.width > 0 && times.length > 0) onChoose(nearestKeyframe(times, ((e.clientX - box.left) / box.width) * duration));
  };
  const y = (n: number): number => PEOPLE_H - 4 - (n / data.maxCount) * (PEOPLE_H - 10);
  // Step lines: a count holds from its keyframe to the next.
  const steps = (key: 'people' | 'faces'): string => {
    const points = data.counts.filter((c) => c[key] !== null);
    if (points.length === 0) return '';
    let d = `M ${x(points[0]!.t, duration)} ${y(points[0]![key]!)}`;
    for (let i = 1; i < points.length; i++) d += ` H ${x(points[i]!.t, duration)} V ${y(points[i]![key]!)}`;
    return `${d} H ${W}`;
  };
  const peopleLine = steps('people');
  const summary = [
    data.has.people || data.has.faces ? `up to ${countText(data.maxCount, 'person', 'people')} at once` : null,
    data.persons.length ? countText(result.summary?.persons.length ?? 0, 'person told apart by face', 'persons told apart by face') : null,
    data.verdicts.some((v) => v.verdict !== 'safe') ? countText(data.verdicts.filter((v) => v.verdict !== 'safe').length, 'stretch flagged by moderation', 'stretches flagged by moderation') : null,
    data.texts.length ? `text in ${countText(data.texts.length, 'stretch', 'stretches')}` : null,
  ]
    .filter(Boolean)
    .join(', ');

  return (
    <div className="timeline-chart" data-testid="timeline" aria-label={`video timeline: ${summary || 'no findings'}`} role="group">
      <div className="tl-legend" aria-hidden="true">
        <strong className="tl-title">Over time</strong>
        {data.has.people && (
          <span>
            <i className="sw-people" />
            people (bodies)
          </span>
        )}
        {data.has.faces && (
          <span>
            <i className="sw-faces" />
            faces
          </span>
        )}
        {data.has.moderation && (
          <span>
            <i className="sw-flag" />
            flagged by moderation
          </span>
        )}
        {data.has.text && (
          <span>
            <i className="sw-text" />
            text read
          </span>
        )}
        <span className="spacer" />
        <span>click a lane to open the nearest keyframe</span>
      </div>
      {(data.has.people || data.has.faces) && (
        <Lane label="People" detail={`max ${data.maxCount}`} height={PEOPLE_H} onPick={pick}>
          <line x1={0} x2={W} y1={y(0)} y2={y(0)} className="tl-baseline" vectorEffect="non-scaling-stroke" />
          {peopleLine && <path d={`${peopleLine} V ${y(0)} H ${x(data.counts.find((c) => c.people !== null)!.t, duration)} Z`} className="tl-people-area" data-series="people" />}
          {peopleLine && <path d={peopleLine} className="tl-people-line" vectorEffect="non-scaling-stroke" fill="none" />}
          {data.has.faces && <path d={steps('faces')} className="tl-faces-line" vectorEffect="non-scaling-stroke" fill="none" data-series="faces" />}
          {data.counts.map((c, i) => (
            <rect key={i} x={x(c.t, duration) - 3} y={0} width={6} height={PEOPLE_H} className="tl-hit" data-index={i}>
              <title>{`${formatVideoTime(c.t)}: ${keyframeFindings(timeline[i]!) ?? 'nothing looked for'}`}</title>
            </rect>
          ))}
        </Lane>
      )}
      {data.persons.length > 0 && (
        <Lane label="Faces" detail={`${data.persons.length} ${data.persons.length === 1 ? 'person' : 'persons'}`} height={data.persons.length * 9 + 2} onPick={pick}>
          {data.persons.map((p, i) => (
            <rect key={p.id} x={x(p.start, duration)} y={i * 9 + 2} width={Math.max(4, x(p.end, duration) - x(p.start, duration))} height={6} rx={3} className={`tl-person tl-person-${i % 6}`} data-person={p.id}>
              <title>{`${p.id}: ${formatVideoTime(p.start)}–${formatVideoTime(p.end)}, ${countText(p.faces, 'face', 'faces')}`}</title>
            </rect>
          ))}
        </Lane>
      )}
      {data.has.moderation && (
        <Lane label="Moderation" height={14} onPick={pick}>
          {data.verdicts.map((band, i) => (
            <rect key={i} x={x(band.start, duration)} y={2} width={Math.max(2, x(band.end, duration) - x(band.start, duration))} height={10} className={`tl-verdict verdict-${band.verdict}`} data-verdict={band.verdict}>
              <title>{`${formatVideoTime(band.start)}–${formatVideoTime(band.end)}: ${band.verdict}`}</title>
            </rect>
          ))}
        </Lane>
      )}
      {data.has.text && (
        <Lane label="Text" detail={data.texts.length ? undefined : 'none read'} height={14} onPick={pick}>
          {data.texts.map((band, i) => (
            <rect key={i} x={x(band.start, duration)} y={2} width={Math.max(2, x(band.end, duration) - x(band.start, duration))} height={10} className="tl-text" data-text={band.texts.join(' · ')}>
              <title>{`${formatVideoTime(band.start)}–${formatVideoTime(band.end)}: ${band.texts.slice(0, 4).map((t) => `“${t}”`).join(', ')}`}</title>
            </rect>
          ))}
        </Lane>
      )}
      <div className="tl-lane tl-keyframes-lane">
        <span className="tl-label">
          Keyframes <span className="muted">{timeline.length}</span>
        </span>
        <div className="timeline">
          {timeline.map((entry, i) => {
            const findings = keyframeFindings(entry);
            return (
              <button
                type="button"
                key={i}
                className={`tick verdict-${entry.nsfw?.verdict ?? 'none'}${i === chosen ? ' selected' : ''}`}
                style={{ left: pct(entry.t, duration) }}
                aria-label={`Keyframe at ${formatVideoTime(entry.t)}`}
                title={`${formatVideoTime(entry.t)}${findings ? `: ${findings}` : ''}${entry.ocr?.text ? `, text "${entry.ocr.text.slice(0, 30)}"` : ''}`}
                onClick={() => onChoose(i)}
              />
            );
          })}
        </div>
      </div>
      <div className="tl-lane tl-axis-lane" aria-hidden="true">
        <span className="tl-label" />
        <div className="tl-axis">
          {axisTicks(duration).map((t) => (
            <span key={t} style={{ left: pct(t, duration) }}>
              {formatVideoTime(t).replace(/\.0$/, '')}
            </span>
          ))}
        </div>
      </div>
      <div className="tl-cursors" aria-hidden="true">
        {chosen !== null && timeline[chosen] && <span className="tl-cursor chosen" style={{ left: pct(timeline[chosen].t, duration) }} />}
        {playheadSec !== null && <span className="tl-cursor playhead" style={{ left: pct(playheadSec, duration) }} />}
      </div>
    </div>
  );
}
