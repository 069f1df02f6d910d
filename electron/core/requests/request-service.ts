// Analysis requests for the console: submitting files and folders (each file hashed and written as a request
// before anything is sent), reading requests, batches and results, cancelling, retrying, deleting (with their jobs
// on the agents), and exporting a batch. The runner (request-runner.ts) does the sending, following and erasing.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { fileTypeFromBuffer, fileTypeFromFile } from 'file-type';
import pMap from 'p-map';
import type { ResultDocument } from '#agent/contracts/result-document.js';
import type { AgentPort } from '../agents/agent-http-client.js';
import { ConsoleError } from '../contracts/define.js';
import {
  KEYFRAME_MAX_BYTES,
  type AgentErasure,
  type AnalysisRequest,
  type BatchSummary,
  type DispatchTarget,
  type ErasureCounts,
  type MediaKind,
  type RequestAttempt,
  type RequestOptions,
} from '../contracts/requests.js';
import { imagePreview } from '../media/image-preview.js';
import { publicView, toBatchSummary, type NewRequest, type RequestRepository } from './request-repository.js';
import { idempotencyKeyOf, sha256OfFile, type RequestRunner } from './request-runner.js';

/** Names a folder walk takes as media (a file named explicitly is always sent: the agent judges its bytes). */
const mediaExtensions = new Set(
  'jpg jpeg png webp gif tif tiff avif heic bmp mp4 m4v mov avi mkv webm mpg mpeg wmv flv 3gp ts mts wav mp3 m4a aac flac ogg oga opus wma aif aiff amr'.split(
    ' ',
  ),
);

export interface RequestServiceOptions {
  repo: RequestRepository;
  runner: RequestRunner;
  /** Where fetched keyframe thumbnails are kept. */
  cacheDir: string;
  agents: { resolve(agentId: string): Promise<{ client: Pick<AgentPort, 'getKeyframe'> }> };
  audit?: { record(action: string, targetId: string | null, detail?: Record<string, unknown>): void };
  onBatch(batch: BatchSummary): void;
  now?: () => Date;
  /** How long a delete waits for the agents to erase its jobs before it answers with the rest still pending. */
  erasureWaitMs?: number;
}

export interface SubmitInput {
  paths: string[];
  analyses?: string[];
  options: RequestOptions;
  target: DispatchTarget;
  clientLabel?: string;
  label?: string;
  paused?: boolean;
}

export class RequestService {
  private readonly now: () => Date;

  constructor(private readonly options: RequestServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Walks folders, hashes every file, writes one batch of requests, and wakes the runner. */
  async submit(input: SubmitInput): Promise<{ batch: BatchSummary; requests: AnalysisRequest[] }> {
    const { files, skipped } = await collectFiles(input.paths);
    const pinned = input.target.kind === 'agent' ? input.target.agentId : null;
    const analyses = input.analyses ? [...new Set(input.analyses)] : null;
    const clientLabel = input.clientLabel ?? null;
    // Files are read a few at a time (each is a stat, a hash and a look at its first bytes): a folder of a
    // thousand small files is written as a batch in a fraction of the time one-by-one takes, and the fleet
    // starts on it sooner. The order of the rows stays the folder's order.
    const described = await pMap(
      files,
      async (path): Promise<NewRequest | { path: string; reason: string }> => {
        try {
          const { bytes, sha256, mediaKind } = await describeFile(path);
          return {
            id: randomUUID(),
            path,
            fileName: basename(path),
            bytes,
            sha256,
            mediaKind,
            analyses,
            options: input.options,
            clientLabel,
            idempotencyKey: idempotencyKeyOf({ sha256, analyses, options: input.options, clientLabel }),
            pinnedAgentId: pinned,
          };
        } catch (err) {
          return { path, reason: `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
        }
      },
      { concurrency: 8 },
    );
    const requests: NewRequest[] = [];
    for (const d of described) {
      if ('reason' in d) skipped.push(d);
      else requests.push(d);
    }
    if (!requests.length && !skipped.length)
      throw new ConsoleError('NOTHING_TO_ANALYSE', 'none of the paths holds a file to analyse');
    const batchId = randomUUID();
    const label =
      input.label ??
      (input.paths.length === 1
        ? basename(input.paths[0]!)
        : `${basename(input.paths[0]!)} and ${input.paths.length - 1} more`);
    this.options.repo.createBatch({
      id: batchId,
      label,
      clientLabel: input.clientLabel ?? null,
      target: input.target,
      skipped,
      requests,
      paused: input.paused,
    });
    this.options.audit?.record('batch.submitted', batchId, {
      label,
      files: requests.length,
      skipped: skipped.length,
      target: input.target,
      clientLabel: input.clientLabel ?? null,
    });
    this.options.runner.wake();
    const batch = this.batch(batchId);
    this.options.onBatch(batch);
    return { batch, requests: requests.slice(0, 1000).map((r) => publicView(this.options.repo.get(r.id)!)) };
  }

  list(filter: {
    batchId?: string;
    state?: AnalysisRequest['state'];
    clientLabel?: string;
    before?: string;
    limit: number;
  }): AnalysisRequest[] {
    const beforeSeq = filter.before ? (this.options.repo.seqOf(filter.before) ?? undefined) : undefined;
    return this.options.repo.list({ ...filter, beforeSeq }).map(publicView);
  }

  get(requestId: string): AnalysisRequest & { history: RequestAttempt[] } {
    return { ...publicView(this.require(requestId)), history: this.options.repo.attempts(requestId) };
  }

  result(requestId: string): ResultDocument {
    const request = this.require(requestId);
    const result = this.options.repo.result(requestId);
    if (!result)
      throw new ConsoleError(
        'RESULT_NOT_READY',
        `${request.fileName} is ${request.state}; its result is there once it is done`,
      );
    return result;
  }

  /** A video's keyframe thumbnail: from the cache, else from the agent that ran it (then cached). */
  async keyframe(requestId: string, index: number): Promise<{ index: number; t: number; jpeg: Buffer }> {
    const request = this.require(requestId);
    const result = this.result(requestId);
    const name = request.fileName;
    if (result.media.kind !== 'video' || !result.timeline) {
      throw new ConsoleError(
        'NOT_A_VIDEO',
        `${name} is ${result.media.kind === 'video' ? 'a video analysed without the video analysis' : `${result.media.kind}, not video`}; it has no keyframes`,
      );
    }
    const entry = result.timeline[index];
    if (!entry)
      throw new ConsoleError(
        'KEYFRAME_OUT_OF_RANGE',
        `${name} has ${result.timeline.length} keyframes (0–${result.timeline.length - 1}); there is no keyframe ${index}`,
      );
    if (!entry.thumbnail)
      throw new ConsoleError('KEYFRAME_GONE', `the agent kept no thumbnail of keyframe ${index} of ${name}`);
    const cached = join(this.options.cacheDir, 'keyframes', requestId, `${index}.jpg`);
    const hit = await readFile(cached).catch(() => null);
    if (hit) return { index, t: entry.t, jpeg: hit };
    if (!request.agentId || !request.agentJobId)
      throw new ConsoleError('KEYFRAME_GONE', `no agent is known to hold the keyframes of ${name}`);
    const { client } = await this.options.agents.resolve(request.agentId);
    if (!client.getKeyframe)
      throw new ConsoleError('KEYFRAME_GONE', `the agent that analysed ${name} cannot serve its keyframes`);
    const jpeg = await client
      .getKeyframe(request.agentJobId, index, KEYFRAME_MAX_BYTES)
      .catch((err: unknown) => {
        // The agent forgets jobs and their thumbnails (retention, a reset data directory): say what that means here.
        if (err instanceof ConsoleError && err.code === 'AGENT_NOT_FOUND') {
          throw new ConsoleError(
            'KEYFRAME_GONE',
            `the agent no longer has keyframe ${index} of ${name}; analyse the file again to see it`,
          );
        }
        throw err;
      });
    if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8)
      throw new ConsoleError(
        'AGENT_BAD_RESPONSE',
        `the agent answered keyframe ${index} of ${name} with something that is not a JPEG`,
      );
    await mkdir(join(this.options.cacheDir, 'keyframes', requestId), { recursive: true });
    await writeFile(cached, jpeg);
    return { index, t: entry.t, jpeg };
  }

  /** The analysed image for the screen, from the console's copy of the file (kept for resends and retries). */
  async preview(requestId: string, maxSide: number): Promise<{ jpeg: Buffer; width: number; height: number }> {
    const request = this.require(requestId);
    const result = this.result(requestId);
    if (result.media.kind !== 'image') {
      throw new ConsoleError('NOT_AN_IMAGE', `${request.fileName} is ${result.media.kind}; only images have a preview`);
    }
    return imagePreview(request.path, request.fileName, maxSide);
  }

  cancel(requestId: string): Promise<boolean> {
    this.require(requestId);
    return this.options.runner.cancel(requestId);
  }

  /** The same file again as a new request (a new generation of the key, so the agent runs it afresh). */
  async retry(requestId: string): Promise<AnalysisRequest> {
    const old = this.require(requestId);
    if (!['failed', 'canceled'].includes(old.state))
      throw new ConsoleError(
        'NOT_FINISHED',
        `${old.fileName} is ${old.state}; only failed or canceled requests are retried`,
      );
    const info = await stat(old.path).catch(() => null);
    if (!info?.isFile())
      throw new ConsoleError('FILE_VANISHED', `${old.fileName} is no longer at ${old.path}`);
    const sha256 = await sha256OfFile(old.path);
    const generation = old.generation + 1;
    const id = randomUUID();
    const batchId = randomUUID();
    this.options.repo.createBatch({
      id: batchId,
      label: `${old.fileName} (again)`,
      clientLabel: old.clientLabel,
      target: old.pinnedAgentId ? { kind: 'agent', agentId: old.pinnedAgentId } : { kind: 'fleet' },
      skipped: [],
      requests: [
        {
          id,
          path: old.path,
          fileName: old.fileName,
          bytes: info.size,
          sha256,
          mediaKind: old.mediaKind,
          analyses: old.analyses,
          options: old.options,
          clientLabel: old.clientLabel,
          idempotencyKey: idempotencyKeyOf({
            sha256,
            analyses: old.analyses,
            options: old.options,
            clientLabel: old.clientLabel,
            generation,
          }),
          pinnedAgentId: old.pinnedAgentId,
          generation,
        },
      ],
    });
    this.options.runner.wake();
    return publicView(this.options.repo.get(id)!);
  }

  /**
   * Deletes requests with their results and cached keyframes; running ones are canceled first. With
   * `eraseOnAgents` (the default) their jobs are erased on the agents too: at once where the agent answers, later
   * (queued in the store) where it does not.
   */
  async delete(filter: {
    requestIds?: string[];
    batchId?: string;
    clientLabel?: string;
    eraseOnAgents?: boolean;
  }): Promise<{ deleted: number; erasure: ErasureCounts }> {
    const ids =
      filter.requestIds ??
      this.options.repo
        .list({ batchId: filter.batchId, clientLabel: filter.clientLabel, limit: 1_000_000 })
        .map((r) => r.requestId);
    for (const id of ids)
      if (this.options.runner.isActive(id) || this.options.repo.get(id)?.state !== 'done')
        await this.options.runner.cancel(id).catch(() => false);
    const eraseOnAgents = filter.eraseOnAgents ?? true;
    const { deleted, erasureIds } = this.options.repo.delete({ requestIds: ids }, eraseOnAgents);
    await Promise.all(
      deleted.map((id) => rm(join(this.options.cacheDir, 'keyframes', id), { recursive: true, force: true })),
    );
    if (erasureIds.length) {
      // The pass goes on after the wait if it takes longer (many jobs, a slow agent); what is left is pending.
      let waited: NodeJS.Timeout | undefined;
      await Promise.race([
        this.options.runner.eraseOnAgentsNow(),
        new Promise((r) => (waited = setTimeout(r, this.options.erasureWaitMs ?? 10_000))),
      ]);
      clearTimeout(waited);
    }
    const erasure = this.options.repo.erasureCounts(erasureIds);
    this.options.audit?.record('requests.deleted', filter.batchId ?? null, {
      count: deleted.length,
      ...(filter.clientLabel ? { clientLabel: filter.clientLabel } : {}),
      eraseOnAgents,
      erasure,
    });
    return { deleted: deleted.length, erasure };
  }

  /** The queue of erasures on agents, newest first. */
  erasures(filter: { state?: AgentErasure['state']; limit: number }): AgentErasure[] {
    return this.options.repo.erasures(filter).map(({ receipt, ...row }) => ({
      ...row,
      removed: receipt ? { ...receipt.removed } : null,
    }));
  }

  batch(batchId: string): BatchSummary {
    const row = this.options.repo.batch(batchId);
    if (!row) throw new ConsoleError('BATCH_NOT_FOUND', `no batch ${batchId}`);
    return toBatchSummary(
      row,
      this.options.repo.counts(batchId),
      this.options.repo.recentFinishes(batchId, 50),
      this.now().getTime(),
    );
  }

  batches(limit: number): BatchSummary[] {
    return this.options.repo.batches(limit).map((row) => this.batch(row.id));
  }

  pause(batchId: string): BatchSummary {
    const batch = this.batch(batchId);
    if (batch.state !== 'running')
      throw new ConsoleError(
        'BATCH_NOT_RUNNING',
        `the batch is ${batch.state}; only a running batch can be paused`,
      );
    // Files already on an agent finish there; the rest wait.
    this.options.repo.setBatchState(batchId, 'paused');
    return this.announce(batchId);
  }

  resume(batchId: string): BatchSummary {
    const batch = this.batch(batchId);
    if (batch.state !== 'paused')
      throw new ConsoleError(
        'BATCH_NOT_PAUSED',
        `the batch is ${batch.state}; only a paused batch can be resumed`,
      );
    this.options.repo.setBatchState(batchId, batch.remaining ? 'running' : 'done');
    this.options.runner.wake();
    return this.announce(batchId);
  }

  async cancelBatch(batchId: string): Promise<BatchSummary> {
    const batch = this.batch(batchId);
    if (batch.state === 'done' || batch.state === 'canceled') return batch;
    await this.options.runner.cancelBatch(batchId);
    return this.batch(batchId);
  }

  /** Every result of a batch as JSONL (one document per line, with its file) or CSV (one summary row per file). */
  export(batchId: string, format: 'jsonl' | 'csv'): { fileName: string; mime: string; text: string } {
    const batch = this.batch(batchId);
    const lines: string[] =
      format === 'csv'
        ? [
            csvRow([
              'file',
              'path',
              'state',
              'agent',
              'client',
              'media',
              'moderation',
              'faces',
              'persons',
              'text',
              'transcript',
              'error',
            ]),
          ]
        : [];
    let after = 0;
    for (;;) {
      const page = this.options.repo.batchResults(batchId, after, 500);
      if (!page.length) break;
      after = page.at(-1)!.seq;
      for (const { request, result } of page) {
        if (format === 'jsonl') {
          lines.push(
            JSON.stringify({
              file: request.fileName,
              path: request.path,
              state: request.state,
              agent: request.agentName,
              client: request.clientLabel,
              error: request.error,
              result,
            }),
          );
        } else {
          lines.push(
            csvRow([
              request.fileName,
              request.path,
              request.state,
              request.agentName ?? '',
              request.clientLabel ?? '',
              result?.media.kind ?? request.mediaKind,
              result?.nsfw?.verdict ?? '',
              result?.faces ? String(result.faces.length) : '',
              result?.pose ? String(result.pose.length) : '',
              result?.ocr?.text ?? '',
              result?.transcript?.segments.map((s) => s.text.trim()).join(' ') ?? '',
              request.error ? `${request.error.code}: ${request.error.message}` : '',
            ]),
          );
        }
      }
    }
    const safe = batch.label.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'batch';
    return {
      fileName: `${safe}.${format}`,
      mime: format === 'jsonl' ? 'application/x-ndjson' : 'text/csv',
      text: lines.join('\n') + (lines.length ? '\n' : ''),
    };
  }

  private announce(batchId: string): BatchSummary {
    const batch = this.batch(batchId);
    this.options.onBatch(batch);
    return batch;
  }

  private require(requestId: string) {
    const request = this.options.repo.get(requestId);
    if (!request) throw new ConsoleError('REQUEST_NOT_FOUND', `no request ${requestId}`);
    return request;
  }
}

/** Files named and files found under folders; folder entries that cannot be read or are not media are skipped, with why. */
export async function collectFiles(
  paths: readonly string[],
): Promise<{ files: string[]; skipped: { path: string; reason: string }[] }> {
  const files: string[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const seen = new Set<string>();
  const add = (path: string): void => {
    if (!seen.has(path)) {
      seen.add(path);
      files.push(path);
    }
  };
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      skipped.push({
        path: dir,
        reason: `the folder cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      });
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        if (mediaExtensions.has(extname(entry.name).slice(1).toLowerCase())) add(path);
        else
          skipped.push({
            path,
            reason: 'not a media file (by its name); name it explicitly to send it anyway',
          });
      } else if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => null);
        if (target?.isFile() && mediaExtensions.has(extname(entry.name).slice(1).toLowerCase())) add(path);
        else
          skipped.push({
            path,
            reason: target ? 'a link to something that is not a media file' : 'a broken link',
          });
      }
    }
  };
  for (const raw of paths) {
    const path = resolve(raw);
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => err);
    if (info instanceof Error)
      skipped.push({
        path,
        reason:
          info.code === 'ENOENT' ? 'no such file or folder' : `cannot be read (${info.code ?? info.message})`,
      });
    else if (info.isDirectory()) await walk(path);
    else if (info.isFile()) add(path);
    else skipped.push({ path, reason: 'not a file or a folder' });
  }
  return { files, skipped };
}

/** Size, sha256 and media kind of one file; a small file is read once for both, a large one streamed. */
async function describeFile(path: string): Promise<{ bytes: number; sha256: string; mediaKind: MediaKind }> {
  const info = await stat(path);
  if (info.size <= readWholeBelowBytes) {
    const content = await readFile(path);
    const type = await fileTypeFromBuffer(content).catch(() => undefined);
    return {
      bytes: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
      mediaKind: mediaKindOfMime(type?.mime ?? ''),
    };
  }
  const type = await fileTypeFromFile(path).catch(() => undefined);
  return { bytes: info.size, sha256: await sha256OfFile(path), mediaKind: mediaKindOfMime(type?.mime ?? '') };
}
const readWholeBelowBytes = 1024 * 1024;

function mediaKindOfMime(mime: string): MediaKind {
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('video/') || mime === 'application/x-matroska' || mime === 'application/mp4')
    return 'video';
  if (mime.startsWith('audio/') || mime === 'application/ogg') return 'audio';
  return 'unknown';
}

function csvRow(cells: readonly string[]): string {
  return cells.map((c) => (/[",\n\r]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
}
