// Probes one agent over its HTTP API: /v1/health (up, queue), /v1/info (version), /metrics (finished and
// failed job counters, turned into per-minute rates between two polls).
import { parsePrometheusText, sumMetric } from './prometheus-text.js';

export interface AgentProbeTarget {
  id: string;
  baseUrl: string;
  token: string | null;
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

export type FetchLike = (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<Response>;

function describeFailure(err: unknown): string {
  const e = err as Error & { cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
  if (e.cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (e.cause?.code) return e.cause.code.toLowerCase();
  return e.message;
}

export async function probeAgent(
  target: AgentProbeTarget,
  options: { timeoutMs: number; fetch?: FetchLike; withInfo?: boolean },
): Promise<AgentProbeResult> {
  const doFetch: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
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
  let health: { status?: string; queue?: { queued?: number; running?: number } };
  try {
    const res = await doFetch(`${base}/v1/health`, { headers, signal: AbortSignal.timeout(options.timeoutMs) });
    if (!res.ok) {
      await res.body?.cancel();
      return down(res.status === 401 || res.status === 403 ? `HTTP ${res.status} (token rejected)` : `HTTP ${res.status}`);
    }
    health = (await res.json()) as typeof health;
  } catch (err) {
    return down(describeFailure(err));
  }
  const latencyMs = performance.now() - started;
  const [info, metrics] = await Promise.all([
    options.withInfo === false
      ? Promise.resolve(null)
      : doFetch(`${base}/v1/info`, { headers, signal: AbortSignal.timeout(options.timeoutMs) })
          .then((r) => (r.ok ? (r.json() as Promise<{ version?: string }>) : null))
          .catch(() => null),
    doFetch(`${base}/metrics`, { headers, signal: AbortSignal.timeout(options.timeoutMs) })
      .then((r) => (r.ok ? r.text() : null))
      .catch(() => null),
  ]);
  const samples = metrics ? parsePrometheusText(metrics) : [];
  const queued = health.queue?.queued;
  return {
    up: health.status !== 'down',
    reason: health.status === 'down' ? 'agent reports down' : null,
    latencyMs,
    queueDepth: typeof queued === 'number' ? queued : null,
    version: info?.version ?? null,
    finishedTotal: sumMetric(samples, 'mediafleet_jobs_finished_total'),
    failedTotal: sumMetric(samples, 'mediafleet_jobs_finished_total', { status: 'failed' }),
  };
}

/** Per-minute rate from two cumulative counter readings; a counter reset (agent restart) gives null. */
export function ratePerMinute(prev: { value: number | null; atMs: number } | undefined, value: number | null, atMs: number): number | null {
  if (!prev || prev.value === null || value === null || value < prev.value || atMs <= prev.atMs) return null;
  return ((value - prev.value) * 60_000) / (atMs - prev.atMs);
}
