// The image with its findings drawn on top: face boxes with labels, pose skeletons, OCR boxes. Unsafe media
// is blurred until the person chooses to see it.
import type { ResultDocument } from '#agent/contracts/result-document.js';
import { overlayShapes, type OverlayLayers } from './overlay-geometry.js';

const colors = { face: '#38bdf8', ocr: '#facc15', person: '#a78bfa' } as const;

export function ResultOverlay({ src, result, layers, blurred }: { src: string; result: ResultDocument; layers: OverlayLayers; blurred: boolean }) {
  const shapes = overlayShapes(result, layers);
  const fontSize = shapes ? Math.max(12, Math.max(shapes.width, shapes.height) / 45) : 12;
  return (
    <div className="overlay-stage" data-testid="result-overlay">
      <img src={src} alt={result.file} className={blurred ? 'blurred' : undefined} />
      {shapes && (
        <svg viewBox={`0 0 ${shapes.width} ${shapes.height}`} preserveAspectRatio="xMidYMid meet" aria-label="findings">
          {shapes.rects.map((r, i) => (
            <g key={`r${i}`} data-kind={r.kind}>
              <rect x={r.x} y={r.y} width={r.width} height={r.height} fill="none" stroke={colors[r.kind]} strokeWidth={shapes.stroke} />
              {r.kind === 'face' && (
                <text x={r.x} y={Math.max(fontSize, r.y - fontSize * 0.3)} fill={colors.face} fontSize={fontSize} className="overlay-label">
                  {r.label}
                </text>
              )}
              <title>{r.label}</title>
            </g>
          ))}
          <g data-kind="pose">
            {shapes.bones.map((b, i) => (
              <line key={`b${i}`} x1={b.x1} y1={b.y1} x2={b.x2} y2={b.y2} stroke={colors.person} strokeWidth={shapes.stroke} strokeLinecap="round" />
            ))}
            {shapes.joints.map((j, i) => (
              <circle key={`j${i}`} cx={j.x} cy={j.y} r={shapes.stroke * 1.6} fill="#f472b6" />
            ))}
          </g>
        </svg>
      )}
    </div>
  );
}
