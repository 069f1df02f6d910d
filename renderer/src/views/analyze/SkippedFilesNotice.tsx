// Says which dropped files were left out and why (a PDF, an archive, a system file), so a drop never does
// nothing without a word. Long lists are cut to the first few with a count of the rest.
import type { SkippedFile } from './dropped-files.js';

const shownAtMost = 8;

export function SkippedFilesNotice({ skipped, sent, onDismiss }: { skipped: readonly SkippedFile[]; sent: number; onDismiss: () => void }) {
  if (skipped.length === 0) return null;
  const rest = skipped.length - shownAtMost;
  return (
    <div className="skipped-files" role="status" aria-label="skipped files" data-testid="skipped-files">
      <div className="row">
        <strong>
          {skipped.length === 1 ? '1 file was' : `${skipped.length} files were`} not analysed
          {sent > 0 ? ` (${sent === 1 ? '1 file was' : `${sent} files were`} sent)` : ''}: only images, videos and audio are.
        </strong>
        <span className="spacer" />
        <button type="button" className="ghost small" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
      <ul>
        {skipped.slice(0, shownAtMost).map((file, i) => (
          <li key={`${file.name}-${i}`}>
            <span className="mono">{file.name}</span> <span className="muted">— {file.reason}</span>
          </li>
        ))}
        {rest > 0 && <li className="muted">and {rest} more</li>}
      </ul>
    </div>
  );
}
