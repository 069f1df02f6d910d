// Prometheus metrics on a registry of our own (not prom-client's global one), so several apps in one process
// (tests) do not collide. Every metric is named mediafleet_*, and the output passes `promtool check metrics`.
import type { FastifyInstance } from 'fastify';
import client from 'prom-client';
import type { JobEvent, JobQueue } from '../jobs/job-queue.js';
import type { JobsRepository } from '../store/jobs-repository.js';

export const metricsPrefix = 'mediafleet_';

export interface AgentMetrics {
  registry: client.Registry;
}

/** What the metrics read about the data directory's disk. */
export interface DiskMetricsSource {
  diskFull(): boolean;
  uploadsBytes(): number;
}

/**
 * prom-client's default metrics with our prefix, less the three gauges it names `…_total` (active handles, requests
 * and resources summed over their types): `_total` is for counters, and the per-type gauges without the suffix
 * carry the same numbers.
 */
function collectProcessMetrics(registry: client.Registry): void {
  client.collectDefaultMetrics({ register: registry, prefix: metricsPrefix });
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(metricsPrefix + name);
  }
}

export function createAgentMetrics(queue: JobQueue, jobs: JobsRepository, disk?: DiskMetricsSource): AgentMetrics {
  const registry = new client.Registry();
  collectProcessMetrics(registry);

  const finished = new client.Counter({
    name: 'mediafleet_jobs_finished_total',
    help: 'Jobs that reached a terminal status',
    labelNames: ['status', 'code'] as const,
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: 'mediafleet_job_duration_seconds',
    help: 'Wall time of finished jobs from start to end',
    labelNames: ['status'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const queueWait = new client.Histogram({
    name: 'mediafleet_job_queue_wait_seconds',
    help: 'Time from a job being accepted to its first start',
    labelNames: ['priority'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    registers: [registry],
  });
  const analysisDuration = new client.Histogram({
    name: 'mediafleet_analysis_duration_seconds',
    help: 'Time each analysis (and decoding) took within succeeded jobs, from the result timings',
    labelNames: ['analysis'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
    registers: [registry],
  });
  new client.Gauge({
    name: 'mediafleet_jobs',
    help: 'Jobs by status (from the database)',
    labelNames: ['status'] as const,
    registers: [registry],
    collect() {
      for (const [status, n] of Object.entries(jobs.countByStatus())) this.set({ status }, n);
    },
  });
  new client.Gauge({
    name: 'mediafleet_workers_busy',
    help: 'Worker threads running a job',
    registers: [registry],
    collect() {
      this.set(queue.runningCount);
    },
  });
  if (disk) {
    new client.Gauge({
      name: 'mediafleet_disk_full',
      help: "1 while the data directory's disk is full (uploads are refused), else 0",
      registers: [registry],
      collect() {
        this.set(disk.diskFull() ? 1 : 0);
      },
    });
    new client.Gauge({
      name: 'mediafleet_uploads_bytes',
      help: 'Bytes in the uploads folder (inputs of queued and running jobs)',
      registers: [registry],
      collect() {
        this.set(disk.uploadsBytes());
      },
    });
  }
  queue.events.on('job', (event: JobEvent) => {
    if (event.type !== 'status') return;
    if (event.status === 'running' && event.queueWaitMs !== undefined) queueWait.observe({ priority: event.priority ?? 'batch' }, event.queueWaitMs / 1000);
    if (!['succeeded', 'failed', 'canceled'].includes(event.status)) return;
    finished.inc({ status: event.status, code: event.error?.code ?? '' });
    if (event.durationMs !== undefined) duration.observe({ status: event.status }, event.durationMs / 1000);
    if (event.status === 'succeeded') {
      for (const [analysis, ms] of Object.entries(jobs.timingsOf(event.jobId))) analysisDuration.observe({ analysis }, ms / 1000);
    }
  });
  return { registry };
}

export function instrumentHttp(app: FastifyInstance, metrics: AgentMetrics): void {
  const requests = new client.Histogram({
    name: 'mediafleet_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
    registers: [metrics.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    requests.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}
