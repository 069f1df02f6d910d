// One face as a square tile: the face cut out of its source image when this console still has the file (it was
// analysed here in this session), else the file's name alone — the agent keeps faces, not the media.
import type { ReactNode } from 'react';
import type { FaceSource } from '../../../../electron/core/contracts/faces.js';
import { useUiStore } from '../../state/ui-store.js';
import { placeFaceInTile } from './face-crop.js';

const tileSize = 96;

/** The blob: URL of a file analysed in this session whose agent job is `jobId`. */
export function useLocalMedia(jobId: string | null): string | null {
  return useUiStore((s) => (jobId ? (s.items.find((i) => i.submission?.jobId === jobId)?.objectUrl ?? null) : null));
}

export function FaceCrop({
  src,
  box,
  image,
  alt,
}: {
  src: string | null;
  box: { x: number; y: number; width: number; height: number };
  image: { width: number | null; height: number | null };
  alt: string;
}) {
  if (!src || !image.width || !image.height) {
    return (
      <div className="face-crop placeholder" role="img" aria-label={alt}>
        <span aria-hidden="true">☺</span>
      </div>
    );
  }
  const p = placeFaceInTile(box, { width: image.width, height: image.height }, tileSize);
  return (
    <div className="face-crop">
      <img src={src} alt={alt} style={{ width: p.width, height: p.height, left: p.left, top: p.top }} draggable={false} />
    </div>
  );
}

export function FaceTile({
  faceId,
  box,
  source,
  caption,
  onSearch,
  selected,
}: {
  faceId: string;
  box: { x: number; y: number; width: number; height: number };
  source: FaceSource;
  caption: ReactNode;
  onSearch?: () => void;
  selected?: boolean;
}) {
  // Video faces come from keyframes, not the file itself: only still images can be cut out here.
  const local = useLocalMedia(source.jobId);
  const src = source.mediaKind === 'image' ? local : null;
  const name = source.fileName ?? 'media no longer on the agent';
  const body = (
    <>
      <FaceCrop src={src} box={box} image={source} alt={`face in ${name}`} />
      <span className="face-caption">{caption}</span>
      <span className="face-file" title={name}>
        {name}
      </span>
    </>
  );
  return onSearch ? (
    <button type="button" className={`face-tile${selected ? ' selected' : ''}`} onClick={onSearch} data-face-id={faceId} aria-pressed={selected} title="Search faces like this one">
      {body}
    </button>
  ) : (
    <div className="face-tile" data-face-id={faceId}>
      {body}
    </div>
  );
}
