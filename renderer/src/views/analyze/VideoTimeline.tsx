// A video's result: the player when this browser can play the file (a plain notice when it cannot), a chart of
// what was found over time (TimelineChart), a filmstrip of the keyframes the agent saw, and the chosen keyframe
// large with its findings drawn on it. Thumbnails come from the agent that ran the job, through analyze:keyframe.
import { useQuery } from '@tanstack/react-query';
import { useState, type MutableRefObject } from 'react';
import type { ResultDocument } from '#agent/contracts/result-document.js';
import { requestKeyframe } from '../../../../electron/core/contracts/requests.js';
import { useConsole } from '../../api/console-context.js';
import { ErrorNotice, asErrorInfo } from '../../components/common.js';
import type { OverlayLayers } from './overlay-geometry.js';
import { ResultOverlay } from './ResultOverlay.js';
import { TimelineChart } from './TimelineChart.js';
import { countText, formatVideoTime, keyframeAsImageResult, keyframeFindings } from './video-keyframes.js';
import './video-timeline.css';

type TimelineEntry = NonNullable<ResultDocument['timeline']>[number];

/** Thumbnails shown before "Show more": enough to skim a few minutes at the agent's one keyframe a second. */
export const FILMSTRIP_PAGE = 60;

/** A keyframe thumbnail as a data: URL, fetched once per request and index. */
function useKeyframeImage(requestId: string, index: number | null) {
  const client = useConsole();
  return useQuery({
    queryKey: ['request-keyframe', requestId, index],
    queryFn: async () => {
      const frame = await client.invoke(requestKeyframe, { requestId, index: index! });
      return `data:${frame.mime};base64,${frame.dataBase64}`;
    },
    enabled: index !== null,
    staleTime: Infinity,
    // Its errors do not pass by themselves (gone, out of range, not a video); the large view offers a retry.
    retry: false,
  });
}

function KeyframeThumb({
  requestId,
  entry,
  index,
  selected,
  blurred,
  onChoose,
}: {
  requestId: string;
  entry: TimelineEntry;
  index: number;
  selected: boolean;
  blurred: boolean;
  onChoose: (index: number) => void;
}) {
  const image = useKeyframeImage(requestId, index);
  const time = formatVideoTime(entry.t);
  const findings = keyframeFindings(entry);
  const verdict = entry.nsfw?.verdict;
  return (
    <li>
      <button
        type="button"
        className={`keyframe${selected ? ' selected' : ''}`}
        aria-pressed={selected}
        aria-label={`Keyframe ${index + 1} at ${time}${findings ? `: ${findings}` : ''}${verdict ? `, ${verdict}` : ''}`}
        onClick={() => onChoose(index)}
        data-index={index}
      >
        <span className="keyframe-picture">
          {image.data ? (
            <img src={image.data} alt={`Keyframe at ${time}`} className={blurred ? 'blurred' : undefined} />
          ) : (
            <span className="keyframe-placeholder" title={image.error ? asErrorInfo(image.error).message : undefined}>
              {image.error ? 'no picture' : '…'}
            </span>
          )}
          {verdict && <span className={`keyframe-verdict verdict-${verdict}`} title={`moderation: ${verdict}`} />}
        </span>
        <span className="keyframe-time">{time}</span>
        {findings && <span className="keyframe-findings">{findings}</span>}
      </button>
    </li>
  );
}

function ChosenKeyframe({
  requestId,
  fileName,
  result,
  index,
  layers,
  blurred,
  onChoose,
}: {
  requestId: string;
  fileName: string;
  result: ResultDocument;
  index: number;
  layers: OverlayLayers;
  blurred: boolean;
  onChoose: (index: number) => void;
}) {
  const timeline = result.timeline!;
  const entry = timeline[index]!;
  const image = useKeyframeImage(requestId, index);
  const time = formatVideoTime(entry.t);
  const findings = [keyframeFindings(entry), entry.nsfw?.verdict].filter(Boolean).join(' · ');
  return (
    <figure className="keyframe-large" data-testid="keyframe-large" data-index={index}>
      {image.data ? (
        <ResultOverlay src={image.data} result={keyframeAsImageResult(result, entry, `${fileName} at ${time}`)} layers={layers} blurred={blurred} />
      ) : image.error ? (
        <ErrorNotice error={asErrorInfo(image.error)} onRetry={() => void image.refetch()} />
      ) : (
        <div className="overlay-stage keyframe-loading muted">Loading keyframe {index + 1}…</div>
      )}
      <figcaption>
        <button type="button" className="ghost" disabled={index === 0} onClick={() => onChoose(index - 1)} aria-label="Previous keyframe">
          ←
        </button>
        <span>
          Keyframe {index + 1} of {timeline.length} at <strong>{time}</strong>
          {findings && <span className="muted"> · {findings}</span>}
          {entry.ocr?.text.trim() && <span className="muted"> · “{entry.ocr.text.trim().slice(0, 60)}”</span>}
        </span>
        <button type="button" className="ghost" disabled={index === timeline.length - 1} onClick={() => onChoose(index + 1)} aria-label="Next keyframe">
          →
        </button>
      </figcaption>
    </figure>
  );
}

export function VideoTimeline({
  requestId,
  fileName,
  objectUrl,
  result,
  layers,
  blurred,
  playerRef,
  onTimeUpdate,
}: {
  requestId: string;
  fileName: string;
  /** The dropped file, for the player; null when the result was opened by its link. */
  objectUrl: string | null;
  result: ResultDocument;
  layers: OverlayLayers;
  blurred: boolean;
  playerRef: MutableRefObject<HTMLMediaElement | null>;
  onTimeUpdate: (t: number) => void;
}) {
  // Chromium plays few containers (no AVI, no MPEG-4 Part 2): it says so by an error event, or by metadata
  // with no picture. Until then the player is assumed to work.
  const [playable, setPlayable] = useState(true);
  const [chosen, setChosen] = useState<number | null>(null);
  const [shown, setShown] = useState(FILMSTRIP_PAGE);
  const [playhead, setPlayhead] = useState(0);
  const timeline = result.timeline ?? [];
  const duration = result.media.durationSec;

  const choose = (index: number): void => {
    setChosen(index);
    if (index >= shown) setShown(Math.ceil((index + 1) / FILMSTRIP_PAGE) * FILMSTRIP_PAGE);
    const player = playerRef.current;
    if (objectUrl && playable && player) {
      try {
        player.currentTime = timeline[index]!.t;
      } catch {
        // A player without metadata yet cannot seek; the keyframe is shown anyway.
      }
    }
  };

  return (
    <div className="video-result">
      {!objectUrl ? (
        <p className="unplayable-notice" role="status" data-testid="not-in-window">
          This result was opened by its link: the video stays with the window it was dropped in. The keyframes below are what the agent saw.
        </p>
      ) : playable ? (
        <video
          ref={(el) => {
            playerRef.current = el;
            // The error may have happened before React attached its listener.
            if (el?.error) setPlayable(false);
          }}
          src={objectUrl}
          controls
          className={blurred ? 'player blurred' : 'player'}
          data-testid="player"
          onError={() => setPlayable(false)}
          onLoadedMetadata={(e) => {
            if (e.currentTarget.videoWidth === 0) setPlayable(false);
          }}
          onTimeUpdate={(e) => {
            onTimeUpdate(e.currentTarget.currentTime);
            setPlayhead(e.currentTarget.currentTime);
          }}
        />
      ) : (
        <p className="unplayable-notice" role="status" data-testid="unplayable-notice">
          This browser cannot play {result.media.mime} files; the keyframes below are what the agent saw.
        </p>
      )}

      {chosen !== null && timeline[chosen] && (
        <ChosenKeyframe requestId={requestId} fileName={fileName} result={result} index={chosen} layers={layers} blurred={blurred} onChoose={choose} />
      )}

      {timeline.length > 0 && duration ? <TimelineChart result={result} chosen={chosen} playheadSec={objectUrl && playable ? playhead : null} onChoose={choose} /> : null}

      {timeline.length > 0 && (
        <div className="filmstrip-block">
          <h3>
            Keyframes <span className="muted">· {countText(timeline.length, 'keyframe', 'keyframes')} the agent analysed; choose one to see its findings</span>
          </h3>
          <ol className="filmstrip" aria-label="keyframes" data-testid="filmstrip">
            {timeline.slice(0, shown).map((entry, i) => (
              <KeyframeThumb key={i} requestId={requestId} entry={entry} index={i} selected={i === chosen} blurred={blurred} onChoose={choose} />
            ))}
            {shown < timeline.length && (
              <li>
                <button type="button" className="ghost show-more" onClick={() => setShown(shown + FILMSTRIP_PAGE)}>
                  Show {Math.min(FILMSTRIP_PAGE, timeline.length - shown)} more
                  <span className="muted">
                    {shown} of {timeline.length} shown
                  </span>
                </button>
              </li>
            )}
          </ol>
        </div>
      )}
    </div>
  );
}
