// One file's result: the media with findings drawn on it, moderation with blur, transcript synced to the
// player, a video's keyframes (VideoTimeline), and exports.
import { useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import type { ResultDocument } from '#agent/contracts/result-document.js';
import { requestPreview } from '../../../../electron/core/contracts/requests.js';
import { useConsole } from '../../api/console-context.js';
import { Badge, ErrorNotice, asErrorInfo } from '../../components/common.js';
import type { AnalyzeItem } from '../../state/ui-store.js';
import { activeSegmentIndex, toCsv, toJson, toSrt } from './export-formats.js';
import { ResultOverlay } from './ResultOverlay.js';
import { personsSummary } from './video-keyframes.js';
import { VideoTimeline } from './VideoTimeline.js';

function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const verdictTone = { safe: 'ok', suggestive: 'warn', explicit: 'bad' } as const;

/**
 * The picture to draw an image's findings on: the dropped file when this window has it, else the console's
 * preview of its copy (a result opened by its link).
 */
function useImageSource(item: AnalyzeItem, result: ResultDocument) {
  const client = useConsole();
  const requestId = item.request?.requestId;
  const preview = useQuery({
    queryKey: ['request-preview', requestId],
    queryFn: async () => {
      const p = await client.invoke(requestPreview, { requestId: requestId! });
      return `data:${p.mime};base64,${p.dataBase64}`;
    },
    enabled: !item.objectUrl && result.media.kind === 'image' && !!requestId,
    staleTime: Infinity,
    retry: false,
  });
  return { src: item.objectUrl ?? preview.data ?? null, preview };
}

/** Said where the recording itself is not in this window: its transcript is shown without a player. */
function RecordingNotInThisWindow() {
  return (
    <p className="unplayable-notice" role="status" data-testid="not-in-window">
      This result was opened by its link: the recording stays with the window it was dropped in. Its transcript is below.
    </p>
  );
}

export function ResultViewer({ item, result }: { item: AnalyzeItem; result: ResultDocument }) {
  // A video has no verdict of its own: its worst keyframe's decides.
  const verdict = result.nsfw?.verdict ?? result.summary?.worstVerdict;
  const unsafe = verdict !== undefined && verdict !== 'safe';
  const [reveal, setReveal] = useState(false);
  const [layers, setLayers] = useState({ faces: true, pose: true, ocr: true });
  const [time, setTime] = useState(0);
  const playerRef = useRef<HTMLMediaElement | null>(null);
  const segments = result.transcript?.segments ?? [];
  const active = activeSegmentIndex(segments, time);
  const base = item.fileName.replace(/\.[^.]+$/, '');
  const srt = toSrt(result);
  const image = useImageSource(item, result);
  const seek = (t: number): void => {
    if (playerRef.current) {
      playerRef.current.currentTime = t;
      void playerRef.current.play().catch(() => undefined);
    }
  };

  return (
    <section className="result" aria-label={`Result for ${item.fileName}`}>
      <div className="result-toolbar">
        {verdict && (
          <Badge tone={verdictTone[verdict]}>
            <span data-testid="moderation-verdict">{verdict}</span>
          </Badge>
        )}
        {unsafe && (
          <button type="button" onClick={() => setReveal((r) => !r)} aria-pressed={reveal}>
            {reveal ? 'Blur again' : 'Show unblurred'}
          </button>
        )}
        {(['faces', 'pose', 'ocr'] as const)
          .filter((layer) => (result.media.kind === 'image' ? result[layer] !== undefined : result.timeline?.some((entry) => entry[layer] !== undefined)))
          .map((layer) => (
            <label key={layer} className="toggle">
              <input type="checkbox" checked={layers[layer]} onChange={(e) => setLayers({ ...layers, [layer]: e.target.checked })} />
              {layer}
            </label>
          ))}
        <span className="spacer" />
        <button type="button" onClick={() => download(`${base}.json`, toJson(result), 'application/json')}>Export JSON</button>
        <button type="button" onClick={() => download(`${base}.csv`, toCsv(result), 'text/csv')}>Export CSV</button>
        <button type="button" disabled={!srt} title={srt ? undefined : 'no transcript in this result'} onClick={() => srt && download(`${base}.srt`, srt, 'application/x-subrip')}>
          Export SRT
        </button>
      </div>

      {result.media.kind === 'image' &&
        (image.src ? (
          <ResultOverlay src={image.src} result={result} layers={layers} blurred={unsafe && !reveal} />
        ) : image.preview.error ? (
          <ErrorNotice error={asErrorInfo(image.preview.error)} onRetry={() => void image.preview.refetch()} />
        ) : (
          <div className="overlay-stage keyframe-loading muted">Loading the picture…</div>
        ))}
      {result.media.kind === 'video' && item.request && (
        <VideoTimeline
          requestId={item.request.requestId}
          fileName={item.fileName}
          objectUrl={item.objectUrl}
          result={result}
          layers={layers}
          blurred={unsafe && !reveal}
          playerRef={playerRef}
          onTimeUpdate={setTime}
        />
      )}
      {result.media.kind === 'audio' &&
        (item.objectUrl ? (
          <audio ref={(el) => void (playerRef.current = el)} src={item.objectUrl} controls className="player" onTimeUpdate={(e) => setTime(e.currentTarget.currentTime)} />
        ) : (
          <RecordingNotInThisWindow />
        ))}

      <div className="result-facts">
        <dl>
          <dt>Media</dt>
          <dd>
            {result.media.kind}, {result.media.mime}
            {result.media.width ? `, ${result.media.width}×${result.media.height}` : ''}
            {result.media.durationSec ? `, ${result.media.durationSec.toFixed(1)} s` : ''}
          </dd>
          {result.faces && (
            <>
              <dt>Faces</dt>
              <dd data-testid="faces-count">{result.faces.length}</dd>
            </>
          )}
          {result.pose && (
            <>
              <dt>People (pose)</dt>
              <dd data-testid="pose-count">{result.pose.length}</dd>
            </>
          )}
          {result.ocr && (
            <>
              <dt>Text</dt>
              <dd className="ocr-text">{result.ocr.text || '—'}</dd>
            </>
          )}
          {result.summary && (
            <>
              <dt>Summary</dt>
              <dd data-testid="video-summary">
                {[
                  result.timeline?.some((entry) => entry.faces || entry.pose) ? personsSummary(result.summary) : null,
                  result.summary.worstVerdict ? `worst moderation: ${result.summary.worstVerdict}` : null,
                  result.summary.textSeen.length ? `text seen: ${result.summary.textSeen.slice(0, 3).map((t) => `“${t}”`).join(', ')}` : null,
                ]
                  .filter(Boolean)
                  .join('; ') || '—'}
              </dd>
            </>
          )}
          <dt>Timings</dt>
          <dd>
            {Object.entries(result.timings)
              .map(([k, v]) => `${k} ${Math.round(v)} ms`)
              .join(', ')}
          </dd>
          {result.skipped && result.skipped.length > 0 && (
            <>
              <dt>Not run</dt>
              <dd>{result.skipped.map((s) => `${s.analysis}: ${s.message}`).join('; ')}</dd>
            </>
          )}
        </dl>
      </div>

      {segments.length > 0 && (
        <ol className="transcript" aria-label="transcript" data-testid="transcript">
          {segments.map((s, i) => (
            <li key={i} className={i === active ? 'active' : undefined}>
              <button type="button" onClick={() => seek(s.start)}>
                <span className="time">{s.start.toFixed(1)}s</span> {s.text.trim()}
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
