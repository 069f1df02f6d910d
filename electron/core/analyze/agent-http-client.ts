// Talks to one agent's HTTP API v1: streams a file as multipart (so a large video never sits in memory and
// upload progress can be reported), reads job state, cancels; face search and persons; the agent's benchmark;
// token administration.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ConsoleError } from '../contracts/define.js';
import type { AnalysisName } from '../../../agent/src/contracts/result-document.js';

/** The part of the agent's JobView the console relies on. */
export interface AgentJob {
  id: string;
  status: string;
  progress: number;
  stage: string | null;
  result?: unknown;
  error?: { code: string; message: string };
}

export interface SubmitJobRequest {
  path: string;
  fileName: string;
  analyses?: readonly AnalysisName[];
  idempotencyKey?: string;
  signal?: AbortSignal;
  onUploadProgress?: (sentBytes: number, totalBytes: number) => void;
}

/** One progress/status event of a job as the agent streams it (SSE `GET /v1/jobs/:id/events`). */
export interface AgentJobEvent {
  status: string;
  progress: number;
  stage: string | null;
  error?: { code: string; message: string };
}

/** What the analysis service needs from an agent; the HTTP client below is the real one. */
export interface AgentPort {
  submitJob(request: SubmitJobRequest): Promise<{ id: string; status: string }>;
  getJob(jobId: string, signal?: AbortSignal): Promise<AgentJob>;
  /** Yields the job's events until it ends; throws when the stream cannot be opened (callers then poll). */
  followJob?(jobId: string, signal?: AbortSignal): AsyncIterable<AgentJobEvent>;
  cancelJob(jobId: string): Promise<void>;
  /** The JPEG thumbnail of keyframe `index` of a video job; refuses a body over `maxBytes`. */
  getKeyframe?(jobId: string, index: number, maxBytes: number, signal?: AbortSignal): Promise<Buffer>;
}

/** A stored face as the agent's face search answers it (box in the source media's pixels). */
export interface AgentFace {
  id: string;
  jobId: string;
  box: { x: number; y: number; width: number; height: number };
  personId: string | null;
}

export interface AgentSimilarFaces {
  face: AgentFace;
  similar: Array<AgentFace & { similarity: number }>;
}

export interface AgentPerson {
  id: string;
  name: string | null;
  faceCount: number;
  createdAt: string;
}

/** A token as the agent's admin API lists it (never with its secret). */
export interface AgentTokenView {
  id: string;
  scope: 'admin' | 'submit' | 'read';
  tenant: string;
  label: string | null;
  createdAt: string;
  /** Not sent by agents up to now; read if a later agent adds it. */
  lastUsedAt?: string | null;
  revokedAt: string | null;
}

export interface AgentEndpoint {
  baseUrl: string;
  token: string;
}

const quote = (value: string): string => value.replace(/["\r\n\\]/g, '_');

export class AgentHttpClient implements AgentPort {
  constructor(private readonly endpoint: AgentEndpoint) {}

  async submitJob(request: SubmitJobRequest): Promise<{ id: string; status: string }> {
    const { size } = await stat(request.path).catch((err: NodeJS.ErrnoException) => {
      throw new ConsoleError('FILE_NOT_FOUND', `cannot read ${request.path}: ${err.code ?? err.message}`);
    });
    const boundary = `----mediafleet${randomBytes(12).toString('hex')}`;
    let head = '';
    if (request.analyses?.length) {
      head += `--${boundary}\r\ncontent-disposition: form-data; name="analyses"\r\n\r\n${request.analyses.join(',')}\r\n`;
    }
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
    return (await this.readJson(response)) as { id: string; status: string };
  }

  async getJob(jobId: string, signal?: AbortSignal): Promise<AgentJob> {
    const response = await this.fetch(`/v1/jobs/${encodeURIComponent(jobId)}`, {
      headers: { authorization: `Bearer ${this.endpoint.token}` },
      signal,
    });
    return (await this.readJson(response)) as AgentJob;
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
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      // Events are separated by a blank line; comments (": keep-alive") carry no data.
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trimStart())
          .join('\n');
        if (data) yield JSON.parse(data) as AgentJobEvent;
      }
    }
  }

  async cancelJob(jobId: string): Promise<void> {
    const response = await this.fetch(`/v1/jobs/${encodeURIComponent(jobId)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${this.endpoint.token}` },
    });
    await this.readJson(response);
  }

  async getKeyframe(jobId: string, index: number, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    const response = await this.fetch(`/v1/jobs/${encodeURIComponent(jobId)}/keyframes/${index}.jpg`, {
      headers: { authorization: `Bearer ${this.endpoint.token}`, accept: 'image/jpeg' },
      signal,
    });
    if (!response.ok) {
      await this.readJson(response);
      throw new ConsoleError('AGENT_ERROR', `the agent answered HTTP ${response.status}`);
    }
    const tooLarge = (): ConsoleError =>
      new ConsoleError('KEYFRAME_TOO_LARGE', `keyframe ${index} of job ${jobId} is larger than ${maxBytes} bytes; a keyframe thumbnail never is, so it was refused`);
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
    return (await this.getJson(`/v1/faces/${encodeURIComponent(faceId)}/similar?limit=${limit}`, signal)) as AgentSimilarFaces;
  }

  async listPersons(signal?: AbortSignal): Promise<AgentPerson[]> {
    return ((await this.getJson('/v1/persons', signal)) as { persons: AgentPerson[] }).persons;
  }

  async getPerson(personId: string, signal?: AbortSignal): Promise<AgentPerson & { faces: AgentFace[] }> {
    return (await this.getJson(`/v1/persons/${encodeURIComponent(personId)}`, signal)) as AgentPerson & { faces: AgentFace[] };
  }

  async namePerson(personId: string, name: string | null): Promise<AgentPerson> {
    const response = await this.fetch(`/v1/persons/${encodeURIComponent(personId)}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${this.endpoint.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    return (await this.readJson(response)) as AgentPerson;
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
  ): Promise<unknown> {
    const response = await this.fetch('/v1/bench', {
      method: 'POST',
      headers: { authorization: `Bearer ${this.endpoint.token}`, 'content-type': 'application/json', accept: 'text/event-stream, application/json' },
      body: JSON.stringify(options),
      signal,
    });
    if (!response.ok || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) return this.readJson(response);
    try {
      for await (const { event, data } of readServerSentEvents(response)) {
        if (event === 'progress') {
          const p = data as { done?: unknown; total?: unknown };
          if (typeof p.done === 'number' && typeof p.total === 'number') onProgress?.(p.done, p.total);
        } else if (event === 'result') {
          return data;
        } else if (event === 'error') {
          const e = data as { code?: string; message?: string };
          throw new ConsoleError(e.code ? `AGENT_${e.code}` : 'AGENT_ERROR', `the agent's benchmark failed: ${e.message ?? 'no reason given'}`);
        }
      }
    } catch (err) {
      if (err instanceof ConsoleError) throw err;
      if (signal?.aborted) throw new ConsoleError('CANCELED', 'the request was canceled');
      throw new ConsoleError('AGENT_UNREACHABLE', `the connection to ${this.endpoint.baseUrl} broke during the benchmark: ${(err as Error).message}`);
    }
    throw new ConsoleError('AGENT_BAD_RESPONSE', 'the agent ended the benchmark stream without a result');
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
    return ((await this.getJson('/v1/tokens', signal)) as { tokens: AgentTokenView[] }).tokens;
  }

  /** Creates a token (`POST /v1/tokens`, scope admin); the answer carries the secret, once. */
  async createToken(input: { scope: AgentTokenView['scope']; tenant: string; label?: string }): Promise<{ token: string; record: AgentTokenView }> {
    const response = await this.fetch('/v1/tokens', {
      method: 'POST',
      headers: { authorization: `Bearer ${this.endpoint.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    return (await this.readJson(response)) as { token: string; record: AgentTokenView };
  }

  /** Revokes a token (`DELETE /v1/tokens/:id`, scope admin); revoking a revoked token answers it unchanged. */
  async revokeToken(tokenId: string): Promise<AgentTokenView> {
    const response = await this.fetch(`/v1/tokens/${encodeURIComponent(tokenId)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${this.endpoint.token}` },
    });
    return (await this.readJson(response)) as AgentTokenView;
  }

  private async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    const response = await this.fetch(path, { headers: { authorization: `Bearer ${this.endpoint.token}` }, signal });
    return this.readJson(response);
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(new URL(path, this.endpoint.baseUrl), init);
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw new ConsoleError('CANCELED', 'the request was canceled');
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
      throw new ConsoleError('AGENT_BAD_RESPONSE', `the agent answered HTTP ${response.status} with something that is not JSON`);
    }
    if (!response.ok) {
      const error = (body as { error?: { code?: string; message?: string } }).error;
      // Every route of the agent answers errors as { error: { code } }; a bare 404 is its router (or a proxy)
      // saying the route does not exist, i.e. an agent older than this console.
      if (response.status === 404 && typeof error?.code !== 'string') {
        throw new ConsoleError(
          'AGENT_ROUTE_MISSING',
          `the agent at ${this.endpoint.baseUrl} has no ${new URL(response.url || this.endpoint.baseUrl).pathname}; it is older than this console — upgrade it`,
        );
      }
      throw new ConsoleError(
        error?.code ? `AGENT_${error.code}` : 'AGENT_ERROR',
        `the agent refused: ${error?.message ?? `HTTP ${response.status}`}`,
      );
    }
    return body;
  }
}

/** The `event:`/`data:` pairs of a text/event-stream body, as JSON (comments and heartbeats skipped). */
async function* readServerSentEvents(response: Response): AsyncGenerator<{ event: string; data: unknown }> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''))
          .join('\n');
        if (!data) continue;
        try {
          yield { event, data: JSON.parse(data) as unknown };
        } catch {
          throw new ConsoleError('AGENT_BAD_RESPONSE', `the agent sent an event that is not JSON: ${data.slice(0, 80)}`);
        }
      }
    }
  } finally {
    reader.releaseLock();
  }
}
