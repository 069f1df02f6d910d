// Probes one agent over its HTTP API: /v1/health (up, queue), /v1/info (version), /metrics (finished and
// failed job counters, turned into per-minute rates between two polls).
import http from 'node:http';
import https from 'node:https';
import { Health, Info } from '#agent/contracts/http-v1.js';
import { parseAgentReply } from '../../agents/agent-http-client.js';
import { CertificateMismatchError, normalizeFingerprint, pinnedHttpsAgent } from '../../agents/pinned-tls.js';
import { parsePrometheusText, sumMetric } from './prometheus-text.js';

export interface AgentProbeTarget {
  id: string;
  baseUrl: string;
  token: string | null;
  /** Pinned TLS (a rented agent): the SHA-256 of the certificate it must present, or nothing is sent. */
  tlsFingerprint?: string | null;
}

export interface AgentProbeResult {
  up: boolean;
  reason: string | null;
  latencyMs: number | null;
  queueDepth: number | null;
  version: string | null;
  /** Cumulative counters, for rates. */
  finishedTotal: number | null;
  failedTotal: number | null;
}

export interface HttpResponse {
  status: number;
  body: string;
}
export type HttpGet = (url: string, headers: Record<string, string>, timeoutMs: number, pinnedFingerprint?: string | null) => Promise<HttpResponse>;

// Keep-alive sockets: a poll every 5 s reuses the connection instead of a TCP (and TLS) handshake each time.
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4, timeout: 30_000 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 4, timeout: 30_000 });
/** One kept-alive pool per pinned certificate: its sockets were each checked against the pin when made. */
const pinnedAgents = new Map<string, https.Agent>();

function agentFor(u: URL, pinnedFingerprint: string | null | undefined): http.Agent {
  if (!pinnedFingerprint) return u.protocol === 'https:' ? httpsAgent : httpAgent;
  const pin = normalizeFingerprint(pinnedFingerprint);
  // A pinned agent over plain HTTP presents no certificate: a downgrade, never sent to.
  if (u.protocol !== 'https:') throw new CertificateMismatchError(u.host, pin, null);
  let agent = pinnedAgents.get(pin);
  if (!agent) pinnedAgents.set(pin, (agent = pinnedHttpsAgent(pin, { keepAlive: true, maxSockets: 4, timeout: 30_000 })));
  return agent;
}

/**
 * GET with node:http rather than fetch: undici's fetch costs several times more CPU per request, which
 * matters when a console polls a hundred agents three times every few seconds (see bench/bench-health-poll.ts).
 */
export const httpGetText: HttpGet = (url, headers, timeoutMs, pinnedFingerprint) => getOnce(url, headers, timeoutMs, true, pinnedFingerprint);

/**
 * A kept-alive socket the server closed between two polls (the agent stopped or restarted) fails with ECONNRESET
 * on reuse; that says nothing about the agent now, so the request is sent once more on a fresh connection, as
 * Node's documentation advises (`request.reusedSocket`).
 */
function getOnce(url: string, headers: Record<string, string>, timeoutMs: number, retryOnStaleSocket: boolean, pinnedFingerprint?: string | null): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.get(u, { headers, agent: agentFor(u, pinnedFingerprint) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })), timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (retryOnStaleSocket && req.reusedSocket && e.code === 'ECONNRESET') resolve(getOnce(url, headers, timeoutMs, false, pinnedFingerprint));
      else reject(e);
    });
  });
}

function describeFailure(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof CertificateMismatchError) return `AGENT_CERT_MISMATCH: it presented a certificate other than the pinned one (SHA-256 ${err.presented ?? 'none'}); nothing was sent`;
  if (e.name === 'TimeoutError') return 'timeout';
  if (e.code === 'ECONNREFUSED') return 'connection refused';
  if (e.code) return e.code.toLowerCase();
  return e.message;
}

export async function probeAgent(
  target: AgentProbeTarget,
  options: { timeoutMs: number; get?: HttpGet; withInfo?: boolean },
): Promise<AgentProbeResult> {
  const get = options.get ?? httpGetText;
  const headers: Record<string, string> = target.token ? { authorization: `Bearer ${target.token}` } : {};
  const base = target.baseUrl.replace(/\/$/, '');
  const started = performance.now();
  const down = (reason: string): AgentProbeResult => ({
    up: false,
    reason,
    latencyMs: null,
    queueDepth: null,
    version: null,
    finishedTotal: null,
    failedTotal: null,
  });
  let health: ReturnType<typeof Health.parse>;
  try {
    const res = await get(`${base}/v1/health`, headers, options.timeoutMs, target.tlsFingerprint);
    if (res.status !== 200) {
      return down(res.status === 401 || res.status === 403 ? `HTTP ${res.status} (token rejected)` : `HTTP ${res.status}`);
    }
    health = parseAgentReply(Health, JSON.parse(res.body), 'GET /v1/health');
  } catch (err) {
    if (err instanceof SyntaxError) return down('invalid health response (not JSON)');
    if ((err as { code?: string }).code === 'AGENT_BAD_RESPONSE') return down(`invalid health response: ${(err as Error).message}`);
    return down(describeFailure(err));
  }
  const latencyMs = performance.now() - started;
  const [info, metrics] = await Promise.all([
    options.withInfo === false
      ? Promise.resolve(null)
      : get(`${base}/v1/info`, headers, options.timeoutMs, target.tlsFingerprint)
          // The version is a nicety: an agent whose /v1/info is off still counts as up.
          .then((r) => (r.status === 200 ? Info.safeParse(JSON.parse(r.body)).data ?? null : null))
          .catch(() => null),
    get(`${base}/metrics`, headers, options.timeoutMs, target.tlsFingerprint)
      .then((r) => (r.status === 200 ? r.body : null))
      .catch(() => null),
  ]);
  const samples = metrics ? parsePrometheusText(metrics) : [];
  const queued = health.queue.queued;
  // A cluster agent that has lost its shared queue answers, but refuses every job: for the operator it is down.
  const lostQueue = health.cluster?.connected === false;
  const reason = lostQueue ? `its shared queue (Redis at ${health.cluster?.redis ?? '?'}) is unreachable; it refuses new jobs` : null;
  return {
    up: reason === null,
    reason,
    latencyMs,
    queueDepth: typeof queued === 'number' ? queued : null,
    version: info?.version ?? null,
    // A labelled counter has no series until its first increment: a readable /metrics without it means 0.
    finishedTotal: metrics === null ? null : (sumMetric(samples, 'mediafleet_jobs_finished_total') ?? 0),
    failedTotal: metrics === null ? null : (sumMetric(samples, 'mediafleet_jobs_finished_total', { status: 'failed' }) ?? 0),
  };
}

/** Per-minute rate from two cumulative counter readings; a counter reset (agent restart) gives null. */
export function ratePerMinute(prev: { value: number | null; atMs: number } | undefined, value: number | null, atMs: number): number | null {
  if (!prev || prev.value === null || value === null || value < prev.value || atMs <= prev.atMs) return null;
  return ((value - prev.value) * 60_000) / (atMs - prev.atMs);
}
