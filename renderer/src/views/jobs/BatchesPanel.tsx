// The latest batches (a drop, a folder, a command-line run): done / failed / remaining with a bar, throughput and
// expected end, where the files went, and pause, resume, cancel and export. Kept current by the 'batch' events.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { batchEvent, cancelBatch, deleteRequests, exportBatch, listBatches, pauseBatch, resumeBatch, type BatchSummary, type ErasureCounts } from '../../../../electron/core/contracts/requests.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { Badge, ErrorNotice, asErrorInfo } from '../../components/common.js';

const BATCHES_SHOWN = 5;
const batchesKey = ['requests', 'batches'] as const;

/** The cached batches (newest first) with one batch's new state. */
export function applyBatchUpdate(list: readonly BatchSummary[] | undefined, update: BatchSummary): BatchSummary[] | undefined {
  if (!list) return undefined;
  const at = list.findIndex((b) => b.batchId === update.batchId);
  if (at === -1) return [update, ...list].slice(0, BATCHES_SHOWN);
  const next = list.slice();
  next[at] = update;
  return next;
}

/** "about 1,240 files/h · ends about 14:32", or what is known so far. */
export function batchPaceText(batch: BatchSummary): string {
  const parts: string[] = [];
  if (batch.filesPerHour !== null) parts.push(`about ${Math.round(batch.filesPerHour).toLocaleString('en')} files/h`);
  if (batch.state === 'running' && batch.remaining > 0 && batch.expectedEndAt) {
    parts.push(`ends about ${new Date(batch.expectedEndAt).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`);
  }
  if (batch.state === 'done' && batch.finishedAt) parts.push(`finished ${new Date(batch.finishedAt).toLocaleTimeString()}`);
  return parts.join(' · ');
}

function download(fileName: string, mime: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** "Deleted 240 requests; erased on the agents: 238, 2 waiting for their agent to be back." */
export function deletedText(deleted: number, erasure: ErasureCounts, erased: boolean): string {
  const head = `Deleted ${deleted} request${deleted === 1 ? '' : 's'} with their results`;
  if (!erased) return `${head}; the agents keep their copies.`;
  const parts = [`${erasure.erased} erased on the agents`];
  if (erasure.pending) parts.push(`${erasure.pending} waiting for their agent to be back`);
  if (erasure.failed) parts.push(`${erasure.failed} on agents no longer in the fleet`);
  return `${head}; ${parts.join(', ')}.`;
}

/** Asks before a batch is deleted, and whether the agents' copies go too (they do by default). */
function DeleteBatch({ batch, onError, onDeleted }: { batch: BatchSummary; onError: (error: { code: string; message: string }) => void; onDeleted: (text: string) => void }) {
  const client = useConsole();
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState(false);
  const [onAgents, setOnAgents] = useState(true);
  const [busy, setBusy] = useState(false);
  if (!asking)
    return (
      <button type="button" className="small ghost" onClick={() => setAsking(true)}>
        Delete…
      </button>
    );
  const remove = async (): Promise<void> => {
    setBusy(true);
    try {
      const answer = await client.invoke(deleteRequests, { batchId: batch.batchId, eraseOnAgents: onAgents });
      onDeleted(deletedText(answer.deleted, answer.erasure, onAgents));
      queryClient.setQueryData<BatchSummary[]>(batchesKey, (list) => list?.filter((b) => b.batchId !== batch.batchId));
      void queryClient.invalidateQueries({ queryKey: ['requests'] });
      void queryClient.invalidateQueries({ queryKey: ['analyze-history'] });
    } catch (err) {
      onError(asErrorInfo(err));
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  return (
    <span className="delete-confirm" role="group" aria-label={`delete ${batch.label}`}>
      <span>Delete its {batch.total} requests and their results?</span>
      <label className="toggle">
        <input type="checkbox" checked={onAgents} onChange={(e) => setOnAgents(e.target.checked)} />
        also erase the agents&apos; copies
      </label>
      <button type="button" className="small danger" disabled={busy} onClick={() => void remove()}>
        Delete
      </button>
      <button type="button" className="small ghost" disabled={busy} onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}

function BatchRow({ batch, onError, onDeleted }: { batch: BatchSummary; onError: (error: { code: string; message: string }) => void; onDeleted: (text: string) => void }) {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const settle = (p: Promise<BatchSummary>): void =>
    void p.then((b) => queryClient.setQueryData<BatchSummary[]>(batchesKey, (list) => applyBatchUpdate(list, b))).catch((err: unknown) => onError(asErrorInfo(err)));
  const exportAs = (format: 'jsonl' | 'csv'): void =>
    void client
      .invoke(exportBatch, { batchId: batch.batchId, format })
      .then((file) => download(file.fileName, file.mime, file.text))
      .catch((err: unknown) => onError(asErrorInfo(err)));
  const finished = batch.done + batch.failed + batch.canceled;
  const pct = (n: number) => `${batch.total ? (n / batch.total) * 100 : 0}%`;
  const target = batch.target.kind === 'fleet' ? 'fleet' : `pinned to ${batch.target.agentId === 'local' ? 'This computer' : batch.target.agentId}`;
  return (
    <li className="batch-row" aria-label={`batch ${batch.label}`} data-state={batch.state}>
      <div className="row">
        <strong className="batch-label" title={batch.label}>
          {batch.label}
        </strong>
        <Badge tone={batch.state === 'done' ? (batch.failed ? 'warn' : 'ok') : batch.state === 'running' ? 'info' : 'warn'}>{batch.state}</Badge>
        <span className="muted">
          {target}
          {batch.clientLabel ? ` · for ${batch.clientLabel}` : ''}
        </span>
        <span className="spacer" />
        {!readOnly && batch.state === 'running' && batch.remaining > 0 && (
          <button type="button" className="small ghost" onClick={() => settle(client.invoke(pauseBatch, { batchId: batch.batchId }))}>
            Pause
          </button>
        )}
        {!readOnly && batch.state === 'paused' && (
          <button type="button" className="small" onClick={() => settle(client.invoke(resumeBatch, { batchId: batch.batchId }))}>
            Resume
          </button>
        )}
        {!readOnly && (batch.state === 'running' || batch.state === 'paused') && batch.remaining > 0 && (
          <button type="button" className="small ghost" onClick={() => settle(client.invoke(cancelBatch, { batchId: batch.batchId }))}>
            Cancel
          </button>
        )}
        {!readOnly && finished > 0 && (
          <>
            <button type="button" className="small ghost" onClick={() => exportAs('jsonl')}>
              Export JSONL
            </button>
            <button type="button" className="small ghost" onClick={() => exportAs('csv')}>
              Export CSV
            </button>
          </>
        )}
        {!readOnly && batch.state !== 'running' && <DeleteBatch batch={batch} onError={onError} onDeleted={onDeleted} />}
      </div>
      <div className="batch-bar" role="progressbar" aria-label={`${batch.label} progress`} aria-valuemin={0} aria-valuemax={batch.total} aria-valuenow={finished}>
        <span className="batch-done" style={{ width: pct(batch.done) }} />
        <span className="batch-failed" style={{ width: pct(batch.failed) }} />
        <span className="batch-canceled" style={{ width: pct(batch.canceled) }} />
      </div>
      <div className="row muted batch-counts">
        <span data-testid="batch-counts">
          {batch.done} done · {batch.failed} failed · {batch.remaining} remaining
          {batch.canceled ? ` · ${batch.canceled} canceled` : ''} of {batch.total}
        </span>
        {batch.skipped.length > 0 && <span title={batch.skipped.map((s) => `${s.path}: ${s.reason}`).join('\n')}>{batch.skipped.length} skipped</span>}
        <span>{batchPaceText(batch)}</span>
      </div>
    </li>
  );
}

export function BatchesPanel() {
  const client = useConsole();
  const queryClient = useQueryClient();
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const batches = useQuery({ queryKey: batchesKey, queryFn: () => client.invoke(listBatches, { limit: BATCHES_SHOWN }) });
  useEffect(() => client.on(batchEvent, (update) => queryClient.setQueryData<BatchSummary[]>(batchesKey, (list) => applyBatchUpdate(list, update))), [client, queryClient]);
  if (!batches.data?.length && !notice) return null;
  return (
    <section className="card batches" aria-label="batches">
      <h2 className="section-title">Batches</h2>
      {error && <ErrorNotice error={error} />}
      {notice && (
        <p className="muted" role="status">
          {notice}
        </p>
      )}
      <ul className="batch-list">
        {(batches.data ?? []).map((b) => (
          <BatchRow key={b.batchId} batch={b} onError={setError} onDeleted={setNotice} />
        ))}
      </ul>
    </section>
  );
}
