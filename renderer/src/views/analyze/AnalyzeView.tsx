// Analyze: drop files or a folder, follow each through upload → queued → running, and look at the result.
import { useQuery } from '@tanstack/react-query';
import { useRef, useState, type DragEvent } from 'react';
import { analysisNames, type AnalysisName } from '../../../../agent/src/contracts/result-document.js';
import { cancelAnalysis, localAgentStatus, submitAnalysis } from '../../../../electron/core/contracts/analyze.js';
import type { ConsoleClient } from '../../api/client.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { Badge, EmptyState, ErrorNotice, ProgressBar, ViewHeader, asErrorInfo } from '../../components/common.js';
import { AnalysisPicker } from '../../components/pickers.js';
import { useAnalysisResult } from './use-analysis-result.js';
import { useUiStore, type AnalyzeItem } from '../../state/ui-store.js';
import { filesFromDataTransfer, isMediaFile } from './dropped-files.js';
import { ResultViewer } from './ResultViewer.js';

export async function submitFile(client: ConsoleClient, file: File, analyses: AnalysisName[] | undefined): Promise<void> {
  const store = useUiStore.getState();
  const item: AnalyzeItem = {
    localId: crypto.randomUUID(),
    fileName: file.name,
    bytes: file.size,
    objectUrl: URL.createObjectURL(file),
    mime: file.type,
    uploadProgress: 0,
    submission: null,
    error: null,
    abort: new AbortController(),
  };
  store.addItem(item);
  try {
    const uploaded = await client.uploadFile(file, (ratio) => useUiStore.getState().patchItem(item.localId, { uploadProgress: ratio }), item.abort.signal);
    const submission = await client.invoke(submitAnalysis, { path: uploaded.path, fileName: file.name, analyses, agentId: 'local' });
    useUiStore.getState().attachSubmission(item.localId, submission);
  } catch (err) {
    useUiStore.getState().patchItem(item.localId, { error: asErrorInfo(err) });
  }
}

export function stageText(item: AnalyzeItem): { label: string; progress: number | null } {
  if (item.error) return { label: 'failed', progress: 0 };
  const s = item.submission;
  if (!s) return { label: `uploading ${Math.round(item.uploadProgress * 100)}%`, progress: item.uploadProgress };
  switch (s.stage) {
    case 'upload':
      return { label: `sending to agent ${Math.round(s.progress * 100)}%`, progress: s.progress };
    case 'queued':
      return { label: 'queued', progress: null };
    case 'running':
      return { label: `running${s.agentStage ? `: ${s.agentStage}` : ''}`, progress: s.progress };
    default:
      return { label: s.stage, progress: s.stage === 'done' ? 1 : 0 };
  }
}

function FileRow({ item, selected }: { item: AnalyzeItem; selected: boolean }) {
  const client = useConsole();
  const select = useUiStore((s) => s.select);
  const { label, progress } = stageText(item);
  const stage = item.error ? 'failed' : (item.submission?.stage ?? 'upload');
  const live = !['done', 'failed', 'canceled'].includes(stage);
  const cancel = async (): Promise<void> => {
    item.abort.abort();
    if (item.submission) await client.invoke(cancelAnalysis, { submissionId: item.submission.submissionId }).catch(() => undefined);
  };
  return (
    <li className={`file-row${selected ? ' selected' : ''}`} data-stage={stage}>
      <button type="button" className="file-name" onClick={() => select(item.localId)} aria-current={selected}>
        {item.fileName}
      </button>
      <span className="file-stage">{label}</span>
      <ProgressBar value={progress} label={`${item.fileName} progress`} />
      {live ? (
        <button type="button" className="ghost" onClick={() => void cancel()} aria-label={`Cancel ${item.fileName}`}>
          Cancel
        </button>
      ) : (
        <Badge tone={stage === 'done' ? 'ok' : 'bad'}>{stage}</Badge>
      )}
    </li>
  );
}

function SelectedResult({ item }: { item: AnalyzeItem }) {
  const { done, result } = useAnalysisResult(item);
  const error = item.error ?? item.submission?.error ?? null;
  if (error) return <ErrorNotice error={error} />;
  if (!done) return <p className="muted">The result appears here when {item.fileName} is done.</p>;
  if (result.error) return <ErrorNotice error={asErrorInfo(result.error)} onRetry={() => void result.refetch()} />;
  if (!result.data) return <p className="muted">Loading the result…</p>;
  return <ResultViewer item={item} result={result.data} />;
}

export function AnalyzeView() {
  const client = useConsole();
  const readOnly = useReadOnly();
  const items = useUiStore((s) => s.items);
  const selectedId = useUiStore((s) => s.selectedId);
  const clearFinished = useUiStore((s) => s.clearFinished);
  const [over, setOver] = useState(false);
  const [chosen, setChosen] = useState<Set<AnalysisName>>(new Set());
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const agent = useQuery({ queryKey: ['local-agent'], queryFn: () => client.invoke(localAgentStatus, {}), refetchInterval: 3000 });

  const submitAll = (files: File[]): void => {
    const media = files.filter(isMediaFile);
    const analyses = chosen.size ? [...chosen] : undefined;
    for (const file of media) void submitFile(client, file, analyses);
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
        subtitle="Drop images, videos or audio. They run on This computer unless you pick a server."
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
          {...({ webkitdirectory: '' } as Record<string, string>)}
          onChange={(e) => submitAll([...(e.target.files ?? [])])}
        />
      </div>
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
