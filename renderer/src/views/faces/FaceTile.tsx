// One face as a square tile: the picture the agent stored when it indexed the face (faces:crop), or, while that
// loads or for an agent too old to keep pictures, the face cut out of its source image when this window still
// has the file; a placeholder only when neither exists.
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { faceCrop } from '../../../../electron/core/contracts/faces.js';
import type { FaceSource } from '../../../../electron/core/contracts/faces.js';
import { useConsole } from '../../api/console-context.js';
import { useUiStore } from '../../state/ui-store.js';
import { placeFaceInTile } from './face-crop.js';

const tileSize = 96;

/** The blob: URL of a file analysed in this session whose agent job is `jobId`. */
export function useLocalMedia(jobId: string | null): string | null {
  return useUiStore((s) => (jobId ? (s.items.find((i) => i.request?.agentJobId === jobId)?.objectUrl ?? null) : null));
}

/** The agent's stored picture of a face as a data: URL; fetched once per face (a picture never changes). */
export function useFacePicture(agentId: string, faceId: string | null) {
  const client = useConsole();
  return useQuery({
    queryKey: ['face-crop', agentId, faceId],
    queryFn: async () => {
      const picture = await client.invoke(faceCrop, { agentId, faceId: faceId! });
      return `data:${picture.mime};base64,${picture.dataBase64}`;
    },
    enabled: faceId !== null,
    staleTime: Infinity,
    retry: false,
  });
}

/** A picture that is already the face, square (the agent's crop). */
export function StoredFacePicture({ src, alt }: { src: string; alt: string }) {
  return (
    <div className="face-crop stored">
      <img src={src} alt={alt} draggable={false} />
    </div>
  );
}

/** The face cut out of a whole image (a file this window has), or a placeholder without one. */
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

/** The best picture there is of one face on one agent. */
export function FacePicture({
  agentId,
  faceId,
  box,
  source,
  alt,
}: {
  agentId: string;
  faceId: string;
  box: { x: number; y: number; width: number; height: number };
  source: FaceSource;
  alt: string;
}) {
  const stored = useFacePicture(agentId, faceId);
  // Video faces come from keyframes, not the file itself: only still images can be cut out here.
  const local = useLocalMedia(source.jobId);
  if (stored.data) return <StoredFacePicture src={stored.data} alt={alt} />;
  return <FaceCrop src={source.mediaKind === 'image' ? local : null} box={box} image={source} alt={alt} />;
}

export function FaceTile({
  agentId,
  faceId,
  box,
  source,
  caption,
  onSearch,
  selected,
}: {
  agentId: string;
  faceId: string;
  box: { x: number; y: number; width: number; height: number };
  source: FaceSource;
  caption: ReactNode;
  onSearch?: () => void;
  selected?: boolean;
}) {
  const name = source.fileName ?? 'media no longer on the agent';
  const body = (
    <>
      <FacePicture agentId={agentId} faceId={faceId} box={box} source={source} alt={`face in ${name}`} />
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
