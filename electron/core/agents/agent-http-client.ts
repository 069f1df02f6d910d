// Talks to one agent's HTTP API v1, and parses every answer with the agent's own schemas
// (`#agent/contracts/http-v1.js`): a reply outside them is AGENT_BAD_RESPONSE naming the field, never a
// half-read object. Streams a file as multipart (a large video never sits in memory; upload progress is
// reported), reads and follows jobs, cancels and erases them; face search and persons; the agent's benchmark; token
// administration; the model manager.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { z } from 'zod';
import {
  BenchProgress,
  BenchReport,
  CreatedToken,
  ErasureReceipt,
  ErrorBody,
  ErrorInfo,
  Health,
  Info,
  JobAccepted,
  JobEventMessage,
  JobView,
  ModelList,
  PersonDetail,
  PersonList,
  PersonView,
  PullStateView,
  SimilarFaces,
  TokenList,
  TokenView,
} from '#agent/contracts/http-v1.js';
import type { AnalysisName } from '#agent/contracts/result-document.js';
import { ConsoleError } from '../contracts/define.js';
import { readServerSentEvents } from './server-sent-events.js';
import { CertificateMismatchError, normalizeFingerprint, pinnedDispatcher } from './pinned-tls.js';

export type AgentJob = z.output<typeof JobView>;
export type AgentJobEvent = z.output<typeof JobEventMessage>;
export type AgentFace = z.output<typeof SimilarFaces>['face'];
export type AgentSimilarFaces = z.output<typeof SimilarFaces>;
export type AgentPerson = z.output<typeof PersonView>;
export type AgentPersonDetail = z.output<typeof PersonDetail>;
export type AgentTokenView = z.output<typeof TokenView>;
export type AgentBenchReport = z.output<typeof BenchReport>;
export type AgentModel = z.output<typeof ModelList>['models'][number];
export type AgentPullState = z.output<typeof PullStateView>;
export type AgentErasureReceipt = z.output<typeof ErasureReceipt>;

export interface SubmitJobRequest {
  path: string;
  fileName: string;
  analyses?: readonly AnalysisName[];
  /** interactive (a person waits for it) runs before batch work on the agent. */
  priority?: 'interactive' | 'batch';
  idempotencyKey?: string;
  signal?: AbortSignal;
  onUploadProgress?: (sentBytes: number, totalBytes: number) => void;
}

/** What the analysis service needs from an agent; the HTTP client below is the real one. */
export interface AgentPort {
  submitJob(request: SubmitJobRequest): Promise<{ id: string; status: string }>;
  getJob(jobId: string, signal?: AbortSignal): Promise<AgentJob>;
  /** Yields the job's events until it ends; throws when the stream cannot be opened (callers then poll). */
  followJob?(jobId: string, signal?: AbortSignal): AsyncIterable<AgentJobEvent>;
  cancelJob(jobId: string, signal?: AbortSignal): Promise<void>;
  /** The JPEG thumbnail of keyframe `index` of a video job; refuses a body over `maxBytes`. */
  getKeyframe?(jobId: string, index: number, maxBytes: number, signal?: AbortSignal): Promise<Buffer>;
  /** Erases the job and everything it left on the agent; a job the agent does not know is AGENT_NOT_FOUND. */
  eraseJob?(jobId: string, signal?: AbortSignal): Promise<AgentErasureReceipt>;
}

export interface AgentEndpoint {
  baseUrl: string;
  token: string;
  /**
   * Pinned TLS (a rented agent's self-signed certificate, pinned at pairing): every connection must present the
   * certificate with this SHA-256, or nothing is sent (AGENT_CERT_MISMATCH). Null or absent: ordinary https/http.
   */
  tlsFingerprint?: string | null;
}

/** One dispatcher (one connection pool) per pinned certificate, shared by every client of that agent. */
const pinnedDispatchers = new Map<string, ReturnType<typeof pinnedDispatcher>>();

function dispatcherFor(endpoint: AgentEndpoint): ReturnType<typeof pinnedDispatcher> | undefined {
  if (!endpoint.tlsFingerprint) return undefined;
  const pin = normalizeFingerprint(endpoint.tlsFingerprint);
  // A pinned agent reached over plain HTTP would show no certificate at all: that is a downgrade, not the agent.
  if (new URL(endpoint.baseUrl).protocol !== 'https:') throw new CertificateMismatchError(endpoint.baseUrl, pin, null);
  let dispatcher = pinnedDispatchers.get(pin);
  if (!dispatcher) pinnedDispatchers.set(pin, (dispatcher = pinnedDispatcher(pin)));
  return dispatcher;
}

const quote = (value: string): string => value.replace(/["\r\n\\]/g, '_');

/**
 * Checks an agent's answer against its schema; the error names the first field that is off, so an operator can
 * tell "agent too old/new" from "not an agent at all".
 */
export function parseAgentReply<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? issue.path.map(String).join('.') : '(the whole answer)';
  throw new ConsoleError(
    'AGENT_BAD_RESPONSE',
    `the agent's answer to ${what} does not match this console's contract at ${field}: ${issue?.message ?? 'invalid'}; is it a Mediafleet agent of a compatible version?`,
  );
}

export class AgentHttpClient implements AgentPort {
  private readonly dispatcher: ReturnType<typeof pinnedDispatcher> | undefined;

  constructor(private readonly endpoint: AgentEndpoint) {
    this.dispatcher = dispatcherFor(endpoint);
  }

  get baseUrl(): string {
    return this.endpoint.baseUrl;
  }

  async health(signal?: AbortSignal): Promise<z.output<typeof Health>> {
    return parseAgentReply(Health, await this.getJson('/v1/health', signal), 'GET /v1/health');
  }

  async info(signal?: AbortSignal): Promise<z.output<typeof Info>> {
    return parseAgentReply(Info, await this.getJson('/v1/info', signal), 'GET /v1/info');
  }

  async submitJob(request: SubmitJobRequest): Promise<{ id: string; status: string }> {
    const { size } = await stat(request.path).catch((err: NodeJS.ErrnoException) => {
      throw new ConsoleError('FILE_NOT_FOUND', `cannot read ${request.path}: ${err.code ?? err.message}`);
    });
    const boundary = `----mediafleet${randomBytes(12).toString('hex')}`;
    let head = '';
    if (request.analyses?.length) {
      head += `--${boundary}\r\ncontent-disposition: form-data; name="analyses"\r\n\r\n${request.analyses.join(',')}\r\n`;
    }
    if (request.priority) head += `--${boundary}\r\ncontent-disposition: form-data; name="priority"\r\n\r\n${request.priority}\r\n`;
    head +=
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${quote(request.fileName)}"\r\n` +
      `content-type: application/octet-stream\r\n\r\n`;
    const tail = `\r\n--${boundary}--\r\n`;
    const headBytes = Buffer.from(head);
    const tailBytes = Buffer.from(tail);

    let sent = 0;
    const file = createReadStream(request.path, { highWaterMark: 256 * 1024 });
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(headBytes);
        try {
          for await (const chunk of file as AsyncIterable<Buffer>) {
            controller.enqueue(chunk);
            sent += chunk.length;
            request.onUploadProgress?.(sent, size);
          }
          controller.enqueue(tailBytes);
          controller.close();
        } catch (err) {
          controller.error(err);
        }
      },
      cancel() {
        file.destroy();
      },
    });
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.endpoint.token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(headBytes.length + size + tailBytes.length),
    };
    if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
    const response = await this.fetch('/v1/jobs', {
      method: 'POST',
      headers,
      body,
      signal: request.signal,
      // Node's fetch needs this to stream a request body.
      duplex: 'half',
    } as RequestInit);
    return parseAgentReply(JobAccepted, await this.readJson(response), 'POST /v1/jobs');
  }

  async getJob(jobId: string, signal?: AbortSignal): Promise<AgentJob> {
    const body = await this.getJson(`/v1/jobs/${encodeURIComponent(jobId)}`, signal);
    const parsed = JobView.safeParse(body);
    const issue = parsed.success ? undefined : parsed.error.issues[0];
    // A job whose envelope is fine but whose result document is not: the result is what is wrong, say so.
    if (issue?.path[0] === 'result') {
      throw new ConsoleError('RESULT_INVALID', `the agent's result for job ${jobId} does not match the result schema at ${issue.path.map(String).join('.')}: ${issue.message}`);
    }
    return parseAgentReply(JobView, body, `GET /v1/jobs/${jobId}`);
  }

  async *followJob(jobId: string, signal?: AbortSignal): AsyncIterable<AgentJobEvent> {
    const response = await this.fetch(`/v1/jobs/${encodeURIComponent(jobId)}/events`, {
      headers: { authorization: `Bearer ${this.endpoint.token}`, accept: 'text/event-stream' },
      signal,
    });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new ConsoleError('AGENT_NO_EVENTS', `the agent's event stream answered HTTP ${response.status}`);
    }
    for await (const { data } of readServerSentEvents(response)) {
      yield parseAgentReply(JobEventMessage, data, `the events of job ${jobId}`);
    }
  }

  async cancelJob(jobId: string, signal?: AbortSignal): Promise<void> {
    const response = await this.fetch(`/v1/jobs/${encodeURIComponent(jobId)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${this.endpoint.token}` },
      signal,
    });
    parseAgentReply(JobView, await this.readJson(response), `DELETE /v1/jobs/${jobId}`);
  }

  /**
   * `POST /v1/jobs/:id/erase` (scope submit): the agent cancels the job if it still runs, then removes its upload,
   * result, thumbnails, face embeddings, speaker turns and webhook deliveries, and answers a receipt of what went.
   */
  async eraseJob(jobId: string, signal?: AbortSignal): Promise<AgentErasureReceipt> {
    const response = await this.fetch(`/v1/jobs/${encodeURIComponent(jobId)}/erase`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.endpoint.token}` },
      signal,
    });
    return parseAgentReply(ErasureReceipt, await this.readJson(response), `POST /v1/jobs/${jobId}/erase`);
  }

  async getKeyframe(jobId: string, index: number, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    return this.getBytes(
      `/v1/jobs/${encodeURIComponent(jobId)}/keyframes/${index}.jpg`,
      maxBytes,
      () => new ConsoleError('KEYFRAME_TOO_LARGE', `keyframe ${index} of job ${jobId} is larger than ${maxBytes} bytes; a keyframe thumbnail never is, so it was refused`),
      signal,
    );
  }

  /** A JPEG the agent serves, read up to `maxBytes` (a thumbnail-sized picture; anything larger is refused). */
  private async getBytes(path: string, maxBytes: number, tooLarge: () => ConsoleError, signal?: AbortSignal): Promise<Buffer> {
    const response = await this.fetch(path, { headers: { authorization: `Bearer ${this.endpoint.token}`, accept: 'image/jpeg' }, signal });
    if (!response.ok) {
      await this.readJson(response);
      throw new ConsoleError('AGENT_ERROR', `the agent answered HTTP ${response.status}`);
    }
    if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
      await response.body?.cancel();
      throw tooLarge();
    }
    // The length header may be absent (chunked): count while reading and stop at the bound.
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of (response.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      // Leaving the loop cancels the rest of the body.
      if (total > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  /** The tenant's faces most similar to one face (`GET /v1/faces/:id/similar`, scope submit). */
  async similarFaces(faceId: string, limit: number, signal?: AbortSignal): Promise<AgentSimilarFaces> {
    const path = `/v1/faces/${encodeURIComponent(faceId)}/similar?limit=${limit}`;
    return parseAgentReply(SimilarFaces, await this.getJson(path, signal), `GET /v1/faces/${faceId}/similar`);
  }

  async listPersons(signal?: AbortSignal): Promise<AgentPerson[]> {
    return parseAgentReply(PersonList, await this.getJson('/v1/persons', signal), 'GET /v1/persons').persons;
  }

  async getPerson(personId: string, signal?: AbortSignal): Promise<AgentPersonDetail> {
    return parseAgentReply(PersonDetail, await this.getJson(`/v1/persons/${encodeURIComponent(personId)}`, signal), `GET /v1/persons/${personId}`);
  }

  /** A face's stored picture (`GET /v1/faces/:id/crop.jpg`, scope submit); refuses a body over `maxBytes`. */
  async faceCrop(faceId: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    return this.getBytes(
      `/v1/faces/${encodeURIComponent(faceId)}/crop.jpg`,
      maxBytes,
      () => new ConsoleError('AGENT_BAD_RESPONSE', `the picture of face ${faceId} is larger than ${maxBytes} bytes; a face picture never is, so it was refused`),
      signal,
    );
  }

  /** Person `fromId` joins person `intoId` (`POST /v1/persons/:id/merge`); the merged person comes back. */
  async mergePersons(intoId: string, fromId: string): Promise<AgentPerson> {
    const response = await this.fetch(`/v1/persons/${encodeURIComponent(intoId)}/merge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.endpoint.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ personId: fromId }),
    });
    return parseAgentReply(PersonView, await this.readJson(response), `POST /v1/persons/${intoId}/merge`);
  }

  async namePerson(personId: string, name: string | null): Promise<AgentPerson> {
    const response = await this.fetch(`/v1/persons/${encodeURIComponent(personId)}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${this.endpoint.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    return parseAgentReply(PersonView, await this.readJson(response), `PATCH /v1/persons/${personId}`);
  }

  /**
   * Runs the agent's own benchmark (`POST /v1/bench`, scope admin). Asked for server-sent events, the agent reports
   * each finished image (`onProgress`) and then the report; an agent that answers plain JSON (older) only at the
   * end. Aborting `signal` closes the connection, which makes the agent cancel the run's jobs.
   */
  async runBench(
    options: { rounds: number; analyses?: readonly AnalysisName[] },
    signal?: AbortSignal,
    onProgress?: (done: number, total: number) => void,
  ): Promise<AgentBenchReport> {
    const response = await this.fetch('/v1/bench', {
      method: 'POST',
      headers: { authorization: `Bearer ${this.endpoint.token}`, 'content-type': 'application/json', accept: 'text/event-stream, application/json' },
      body: JSON.stringify(options),
      signal,
    });
    if (!response.ok || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      return parseAgentReply(BenchReport, await this.readJson(response), 'POST /v1/bench');
    }
    try {
      for await (const { event, data } of readServerSentEvents(response)) {
        if (event === 'progress') {
          const p = parseAgentReply(BenchProgress, data, 'a benchmark progress event');
          onProgress?.(p.done, p.total);
        } else if (event === 'result') {
          return parseAgentReply(BenchReport, data, 'POST /v1/bench');
        } else if (event === 'error') {
          const e = parseAgentReply(ErrorInfo, data, 'a benchmark error event');
          throw new ConsoleError(`AGENT_${e.code}`, `the agent's benchmark failed: ${e.message}`);
        }
      }
    } catch (err) {
      if (err instanceof ConsoleError) throw err;
      if (signal?.aborted) throw new ConsoleError('CANCELED', 'the request was canceled');
      throw new ConsoleError('AGENT_UNREACHABLE', `the connection to ${this.endpoint.baseUrl} broke during the benchmark: ${(err as Error).message}`);
    }
    throw new ConsoleError('AGENT_BAD_RESPONSE', 'the agent ended the benchmark stream without a result');
  }

  /** The agent's models, installed or not (`GET /v1/models`, scope read). */
  async listModels(signal?: AbortSignal): Promise<AgentModel[]> {
    return parseAgentReply(ModelList, await this.getJson('/v1/models', signal), 'GET /v1/models').models;
  }

  /**
   * Pulls a model on the agent (`POST /v1/models/:id/pull`, scope admin) and follows it over server-sent events
   * until it ends; resolves with the final state. Aborting cancels the pull on the agent (its partial download is
   * kept for resuming).
   */
  async pullModel(modelId: string, signal: AbortSignal, onState: (state: AgentPullState) => void): Promise<AgentPullState> {
    const id = encodeURIComponent(modelId);
    const started = await this.fetch(`/v1/models/${id}/pull`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.endpoint.token}` },
      signal,
    });
    let state = started.status === 409 ? null : parseAgentReply(PullStateView, await this.readJson(started), `POST /v1/models/${modelId}/pull`);
    // 409: a pull of this model is already running on the agent; follow that one.
    if (!state) await started.body?.cancel();
    const onAbort = (): void => void this.fetch(`/v1/models/${id}/pull`, { method: 'DELETE', headers: { authorization: `Bearer ${this.endpoint.token}` } }).catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await this.fetch(`/v1/models/${id}/pull/events`, {
        headers: { authorization: `Bearer ${this.endpoint.token}`, accept: 'text/event-stream' },
        signal,
      });
      if (!response.ok) await this.readJson(response);
      for await (const { data } of readServerSentEvents(response)) {
        state = parseAgentReply(PullStateView, data, `the pull events of ${modelId}`);
        onState(state);
        if (state.phase !== 'running') break;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (!state) throw new ConsoleError('AGENT_BAD_RESPONSE', `the agent reported no state for the pull of ${modelId}`);
    return state;
  }

  /**
   * The id of the token this client presents: an agent token is `mf_<id>_<secret>`, so the id is part of it.
   * Null for a token of another form (it cannot be matched to the agent's list).
   */
  presentedTokenId(): string | null {
    return /^mf_([a-z0-9]{12})_/.exec(this.endpoint.token)?.[1] ?? null;
  }

  /** The agent's tokens, never their secrets (`GET /v1/tokens`, scope admin). */
  async listTokens(signal?: AbortSignal): Promise<AgentTokenView[]> {
    return parseAgentReply(TokenList, await this.getJson('/v1/tokens', signal), 'GET /v1/tokens').tokens;
  }

  /** Creates a token (`POST /v1/tokens`, scope admin); the answer carries the secret, once. */
  async createToken(input: { scope: AgentTokenView['scope']; tenant: string; label?: string }): Promise<{ token: string; record: AgentTokenView }> {
    const response = await this.fetch('/v1/tokens', {
      method: 'POST',
      headers: { authorization: `Bearer ${this.endpoint.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    return parseAgentReply(CreatedToken, await this.readJson(response), 'POST /v1/tokens');
  }

  /** Revokes a token (`DELETE /v1/tokens/:id`, scope admin); revoking a revoked token answers it unchanged. */
  async revokeToken(tokenId: string): Promise<AgentTokenView> {
    const response = await this.fetch(`/v1/tokens/${encodeURIComponent(tokenId)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${this.endpoint.token}` },
    });
    return parseAgentReply(TokenView, await this.readJson(response), `DELETE /v1/tokens/${tokenId}`);
  }

  private async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    const response = await this.fetch(path, { headers: { authorization: `Bearer ${this.endpoint.token}` }, signal });
    return this.readJson(response);
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      // undici's own dispatcher option (Node's fetch is undici): the pinned check runs on each new connection.
      return await fetch(new URL(path, this.endpoint.baseUrl), this.dispatcher ? ({ ...init, dispatcher: this.dispatcher } as RequestInit) : init);
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw new ConsoleError('CANCELED', 'the request was canceled');
      if ((err as Error).cause instanceof CertificateMismatchError) throw (err as Error).cause as CertificateMismatchError;
      throw new ConsoleError(
        'AGENT_UNREACHABLE',
        `the agent at ${this.endpoint.baseUrl} did not answer (${(err as Error).cause ?? (err as Error).message}); check that it is running`,
      );
    }
  }

  private async readJson(response: Response): Promise<unknown> {
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      // A refusal in plain text or HTML comes from something in front of the agent (a proxy) or not an agent at all.
      if (response.ok) throw new ConsoleError('AGENT_BAD_RESPONSE', `the agent answered HTTP ${response.status} with something that is not JSON`);
      body = {};
    }
    if (!response.ok) {
      const error = ErrorBody.safeParse(body);
      // Every route of the agent answers errors as { error: { code } }; a bare 404 is its router (or a proxy)
      // saying the route does not exist, i.e. an agent older than this console.
      if (response.status === 404 && !error.success) {
        throw new ConsoleError(
          'AGENT_ROUTE_MISSING',
          `the agent at ${this.endpoint.baseUrl} has no ${new URL(response.url || this.endpoint.baseUrl).pathname}; it is older than this console — upgrade it`,
        );
      }
      const refused = new ConsoleError(
        error.success ? `AGENT_${error.data.error.code}` : response.status === 429 ? 'AGENT_QUEUE_FULL' : 'AGENT_ERROR',
        `the agent refused: ${error.success ? error.data.error.message : `HTTP ${response.status}`}`,
      );
      // Backpressure: the agent says when to come back (seconds, or an HTTP date).
      const retryAfter = response.headers.get('retry-after');
      if (response.status === 429 || response.status === 503) {
        const seconds = retryAfter === null ? NaN : /^\d+$/.test(retryAfter) ? Number(retryAfter) : (Date.parse(retryAfter) - Date.now()) / 1000;
        Object.assign(refused, { retryAfterSeconds: Number.isFinite(seconds) ? Math.max(1, seconds) : 5 });
      }
      throw refused;
    }
    return body;
  }
}
