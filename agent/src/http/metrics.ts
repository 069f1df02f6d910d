// Prometheus metrics on a registry of our own (not prom-client's global one), so several apps in one process
// (tests) do not collide.
import type { FastifyInstance } from 'fastify';
import client from 'prom-client';
import type { JobEvent, JobQueue } from '../jobs/job-queue.js';
import type { JobsRepository } from '../store/jobs-repository.js';

export interface AgentMetrics {
  registry: client.Registry;
}

export function createAgentMetrics(queue: JobQueue, jobs: JobsRepository): AgentMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'mediafleet_agent_' });

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
  queue.events.on('job', (event: JobEvent) => {
    if (event.type !== 'status' || !['succeeded', 'failed', 'canceled'].includes(event.status)) return;
    finished.inc({ status: event.status, code: event.error?.code ?? '' });
    if (event.durationMs !== undefined) duration.observe({ status: event.status }, event.durationMs / 1000);
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
