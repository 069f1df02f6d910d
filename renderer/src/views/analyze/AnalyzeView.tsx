// Analyze: drop files or a folder, send them to the fleet (or one agent), follow each through upload → queued →
// running on the agent it went to, and look at the result; the console's history of requests is listed below.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, type DragEvent } from 'react';
import { analysisNames, type AnalysisName } from '#agent/contracts/result-document.js';
import { localAgentStatus } from '../../../../electron/core/contracts/agents.js';
import {
  cancelRequest,
  listRequests,
  requestDetail,
  submitRequests,
  terminalRequestStates,
  type DispatchTarget,
} from '../../../../electron/core/contracts/requests.js';
import type { ConsoleClient } from '../../api/client.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { Badge, EmptyState, ErrorNotice, ProgressBar, ViewHeader, asErrorInfo } from '../../components/common.js';
import { AnalysisPicker, useAgentList } from '../../components/pickers.js';
import { describeError } from '../../errors/error-texts.js';
import { useAnalysisResult } from './use-analysis-result.js';
import { useUiStore, type AnalyzeItem } from '../../state/ui-store.js';
import { filesFromDataTransfer, sortDroppedFiles, type SkippedFile } from './dropped-files.js';
import { SkippedFilesNotice } from './SkippedFilesNotice.js';
import { ResultViewer } from './ResultViewer.js';

/** Files are handed to the console this many at a time (an upload each on the headless console, a path lookup in Electron). */
const UPLOADS_AT_ONCE = 4;

/**
 * Sends one drop to the console as one batch: each file becomes an Analyze item at once (and the first of them is
 * selected), is handed to the console, and then all go in one `requests:submit` to the fleet or the chosen agent.
 * Returns the items' ids before anything is sent. A file the console cannot take says why on its own row.
 */
export function submitFiles(client: ConsoleClient, files: readonly File[], options: { analyses?: AnalysisName[]; target: DispatchTarget }): string[] {
  const items: AnalyzeItem[] = files.map((file) => ({
    localId: crypto.randomUUID(),
    fileName: file.name,
    bytes: file.size,
    objectUrl: URL.createObjectURL(file),
    mime: file.type,
    uploadProgress: 0,
    request: null,
    error: null,
    abort: new AbortController(),
  }));
  if (!items.length) return [];
  useUiStore.getState().addItems(items);
  void sendBatch(client, files, items, options);
  return items.map((i) => i.localId);
}

async function sendBatch(client: ConsoleClient, files: readonly File[], items: AnalyzeItem[], options: { analyses?: AnalysisName[]; target: DispatchTarget }): Promise<void> {
  const store = useUiStore.getState;
  const paths: (string | null)[] = items.map(() => null);
  let next = 0;
  const handOver = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i]!;
      try {
        const uploaded = await client.uploadFile(files[i]!, (ratio) => store().patchItem(item.localId, { uploadProgress: ratio }), item.abort.signal);
        paths[i] = uploaded.path;
        store().patchItem(item.localId, { consolePath: uploaded.path, uploadProgress: 1 });
      } catch (err) {
        store().patchItem(item.localId, { error: asErrorInfo(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPLOADS_AT_ONCE, items.length) }, handOver));
  const sent = items.filter((_, i) => paths[i] !== null && !items[i]!.abort.signal.aborted);
  if (!sent.length) return;
  try {
    const answer = await client.invoke(submitRequests, { paths: sent.map((i) => paths[items.indexOf(i)]!), analyses: options.analyses, target: options.target });
    for (const request of answer.requests) store().applyRequest(request);
    // Files the console would not make requests of (unreadable, not media) say why on their rows.
    for (const skip of answer.batch.skipped) {
      const item = sent.find((i) => paths[items.indexOf(i)] === skip.path);
      if (item) store().patchItem(item.localId, { error: { code: 'FILE_SKIPPED', message: `${item.fileName} ${skip.reason}` } });
    }
  } catch (err) {
    const error = asErrorInfo(err);
    for (const item of sent) store().patchItem(item.localId, { error });
  }
}

/** The agent's stage name in a person's words: "keyframe 12 of 80: faces" stays as it is (it says where it is). */
export function agentStageText(stage: string): string {
  const words: Record<string, string> = { probe: 'reading the file', audio: 'decoding the sound', transcribe: 'transcribing', speakers: 'telling speakers apart', frames: 'finding keyframes', decode: 'decoding' };
  return words[stage] ?? stage;
}

export function stageText(item: AnalyzeItem): { label: string; progress: number | null } {
  const failure = item.error ?? (item.request?.state === 'failed' ? item.request.error : null);
  // A failed file says why in a few words; its notice has the rest.
  if (failure) return { label: describeError(failure).title, progress: 0 };
  const r = item.request;
  if (!r) return { label: `uploading ${Math.round(item.uploadProgress * 100)}%`, progress: item.uploadProgress };
  switch (r.state) {
    case 'pending':
      return { label: r.attempts > 0 ? 'waiting for another agent' : 'waiting for an agent', progress: null };
    case 'uploading':
      return { label: `sending to ${r.agentName ?? 'the agent'} ${Math.round(r.progress * 100)}%`, progress: r.progress };
    case 'queued':
      return { label: `queued on ${r.agentName ?? 'the agent'}`, progress: null };
    case 'running':
      return { label: `running${r.agentStage ? `: ${agentStageText(r.agentStage)}` : ''}`, progress: r.progress };
    default:
      return { label: r.state, progress: r.state === 'done' ? 1 : 0 };
  }
}

/**
 * Results opened by their link (a reload, a Jobs row) arrive without their request: ask the console for it once;
 * from then on its live events keep it current. A console that no longer has it says so on the item.
 */
function useLinkedRequests(client: ConsoleClient, items: readonly AnalyzeItem[]): void {
  const asked = useRef(new Set<string>());
  useEffect(() => {
    for (const item of items) {
      const id = item.linkedRequestId;
      if (!id || item.request || item.error || asked.current.has(id)) continue;
      asked.current.add(id);
      client
        .invoke(requestDetail, { requestId: id })
        .then(({ history: _history, ...request }) => useUiStore.getState().applyRequest(request))
        .catch((err: unknown) => {
          const error = asErrorInfo(err);
          useUiStore.getState().patchItem(item.localId, {
            fileName: 'unknown file',
            error: error.code === 'REQUEST_NOT_FOUND' ? { code: 'REQUEST_GONE', message: `this console has no request ${id} (it was deleted)` } : error,
          });
        });
    }
  }, [client, items]);
}

/** The console's history: the latest requests, shown under this window's files once (App keeps them current). */
function useRequestHistory(client: ConsoleClient): void {
  const history = useQuery({ queryKey: ['analyze-history'], queryFn: () => client.invoke(listRequests, { limit: HISTORY_ROWS }), staleTime: Infinity });
  useEffect(() => {
    if (history.data) useUiStore.getState().addHistory(history.data);
  }, [history.data]);
}

/** How many past requests Analyze lists; Jobs has them all. */
const HISTORY_ROWS = 200;

function FileRow({ item, selected }: { item: AnalyzeItem; selected: boolean }) {
  const client = useConsole();
  const readOnly = useReadOnly();
  const select = useUiStore((s) => s.select);
  const { label, progress } = stageText(item);
  const state = item.error ? 'failed' : (item.request?.state ?? 'uploading');
  const live = !terminalRequestStates.includes(state);
  const cancel = async (): Promise<void> => {
    item.abort.abort();
    if (item.request) await client.invoke(cancelRequest, { requestId: item.request.requestId }).catch(() => undefined);
  };
  const where = item.request?.agentName;
  return (
    <li className={`file-row${selected ? ' selected' : ''}`} data-stage={state}>
      <button type="button" className="file-name" onClick={() => select(item.localId)} aria-current={selected}>
        {item.fileName || 'Loading…'}
      </button>
      <span className="file-stage">{label}</span>
      <ProgressBar value={progress} label={`${item.fileName} progress`} />
      {live && !readOnly ? (
        <button type="button" className="ghost" onClick={() => void cancel()} aria-label={`Cancel ${item.fileName}`}>
          Cancel
        </button>
      ) : (
        <Badge tone={state === 'done' ? 'ok' : live ? 'info' : 'bad'}>{state}</Badge>
      )}
      {where && (
        <span className="file-where muted" title={item.request?.decision ?? undefined} data-testid="ran-on">
          on {where}
        </span>
      )}
    </li>
  );
}

function SelectedResult({ item }: { item: AnalyzeItem }) {
  const { done, result } = useAnalysisResult(item);
  const error = item.error ?? item.request?.error ?? null;
  if (error && !done) return <ErrorNotice error={error} />;
  if (!done) return <p className="muted">The result appears here when {item.fileName || 'the file'} is done.</p>;
  if (result.error) return <ErrorNotice error={asErrorInfo(result.error)} onRetry={() => void result.refetch()} />;
  if (!result.data) return <p className="muted">Loading the result…</p>;
  return (
    <>
      {item.request?.decision && (
        <p className="muted result-where" data-testid="result-where">
          Ran on {item.request.agentName} ({item.request.decision}
          {item.request.attempts > 1 ? `, after ${item.request.attempts - 1} ${item.request.attempts === 2 ? 'try' : 'tries'} elsewhere` : ''}).
        </p>
      )}
      <ResultViewer item={item} result={result.data} />
    </>
  );
}

/** "Run on": the fleet (each file to the agent with the earliest expected finish) or one agent for the whole drop. */
function RunOnPicker({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  const agents = useAgentList();
  return (
    <label className="field run-on">
      <span>Run on</span>
      <select aria-label="Run on" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value={FLEET}>Fleet (automatic)</option>
        {(agents.data ?? []).map((a) => (
          <option key={a.id} value={a.id}>
            {a.name}
            {a.costClass === 'per-second' ? ' (rented, costs per second)' : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

const FLEET = 'fleet';
const targetOf = (runOn: string): DispatchTarget => (runOn === FLEET ? { kind: 'fleet' } : { kind: 'agent', agentId: runOn });

export function AnalyzeView() {
  const client = useConsole();
  const readOnly = useReadOnly();
  const items = useUiStore((s) => s.items);
  const selectedId = useUiStore((s) => s.selectedId);
  const clearFinished = useUiStore((s) => s.clearFinished);
  const [over, setOver] = useState(false);
  const [chosen, setChosen] = useState<Set<AnalysisName>>(new Set());
  const [runOn, setRunOn] = useState(FLEET);
  const [skipped, setSkipped] = useState<{ files: SkippedFile[]; sent: number }>({ files: [], sent: 0 });
  useRequestHistory(client);
  useLinkedRequests(client, items);
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const agent = useQuery({ queryKey: ['local-agent'], queryFn: () => client.invoke(localAgentStatus, {}), refetchInterval: 3000 });

  const submitAll = (files: File[]): void => {
    const { media, skipped: left } = sortDroppedFiles(files);
    setSkipped({ files: left, sent: media.length });
    submitFiles(client, media, { analyses: chosen.size ? [...chosen] : undefined, target: targetOf(runOn) });
  };
  const onDrop = async (e: DragEvent): Promise<void> => {
    e.preventDefault();
    setOver(false);
    if (readOnly) return;
    submitAll(await filesFromDataTransfer(e.dataTransfer));
  };
  const selected = items.find((i) => i.localId === selectedId) ?? null;
  const agentState = agent.data?.state;

  return (
    <div className="view analyze-view">
      <ViewHeader
        title="Analyze"
        subtitle="Drop images, videos or audio. The fleet sends each file to the agent that will finish it first, unless you pick one."
        actions={
          <>
            <span className="agent-state">
              This computer:{' '}
              <Badge tone={agentState === 'running' ? 'ok' : agentState === 'starting' ? 'info' : agentState === 'stopped' ? 'info' : 'bad'}>{agentState ?? '…'}</Badge>
            </span>
            <button type="button" className="ghost" onClick={clearFinished} disabled={items.length === 0}>
              Clear finished
            </button>
          </>
        }
      />
      {agent.data?.message && agentState !== 'running' && <p className="muted">{agent.data.message}</p>}
      <div
        className={`dropzone${over ? ' over' : ''}${readOnly ? ' disabled' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => void onDrop(e)}
        data-testid="dropzone"
      >
        {readOnly ? (
          <p>This console is read-only: analysing files is turned off.</p>
        ) : (
          <>
            <p>
              <strong>Drop files or a folder here</strong>
            </p>
            <div className="row">
              <button type="button" onClick={() => fileInput.current?.click()}>
                Choose files…
              </button>
              <button type="button" className="ghost" onClick={() => folderInput.current?.click()}>
                Choose a folder…
              </button>
              <RunOnPicker value={runOn} onChange={setRunOn} />
            </div>
            <AnalysisPicker names={analysisNames} chosen={chosen} onChange={setChosen} legend="Analyses (none ticked = all that fit the media)" />
          </>
        )}
        <input ref={fileInput} type="file" multiple hidden data-testid="file-input" onChange={(e) => submitAll([...(e.target.files ?? [])])} />
        <input
          ref={folderInput}
          type="file"
          multiple
          hidden
          data-testid="folder-input"
          {...({ webkitdirectory: '' } as Record<string, string>)}
          onChange={(e) => submitAll([...(e.target.files ?? [])])}
        />
      </div>
      <SkippedFilesNotice skipped={skipped.files} sent={skipped.sent} onDismiss={() => setSkipped({ files: [], sent: 0 })} />
      {items.length === 0 ? (
        <EmptyState title="Nothing analysed yet">
          Drop a photo above to see faces, poses, text and a moderation verdict drawn on it. Audio and video get a transcript and a timeline.
        </EmptyState>
      ) : (
        <div className="analyze-split">
          <ul className="file-list" aria-label="files">
            {items.map((item) => (
              <FileRow key={item.localId} item={item} selected={item.localId === selectedId} />
            ))}
          </ul>
          <div className="result-pane">{selected && <SelectedResult item={selected} />}</div>
        </div>
      )}
    </div>
  );
}
