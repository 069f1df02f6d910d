// Talks to one agent's HTTP API v1: streams a file as multipart (so a large video never sits in memory and
// upload progress can be reported), reads job state, cancels; face search and persons; the agent's benchmark.
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

  /** Runs the agent's own benchmark (`POST /v1/bench`, scope admin); it answers when the whole run is over. */
  async runBench(options: { rounds: number; analyses?: readonly AnalysisName[] }, signal?: AbortSignal): Promise<unknown> {
    const response = await this.fetch('/v1/bench', {
      method: 'POST',
      headers: { authorization: `Bearer ${this.endpoint.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(options),
      signal,
    });
    return this.readJson(response);
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
