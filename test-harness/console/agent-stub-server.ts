// A stand-in agent: a tiny HTTP server speaking the agent's health surface (/v1/health, /v1/info, /metrics with
// the agent's own schemas and metric names), for health-polling tests and the polling benchmark where starting
// 100 real agents (with models) is not possible on two cores. Its answers are checked against the contract.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { Health, Info } from '../../agent/src/contracts/http-v1.js';

export interface AgentStubState {
  token: string;
  status: z.infer<typeof Health>['status'];
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  version: string;
  /** Answer every request with this HTTP status instead (e.g. 503). */
  forceStatus?: number;
  /** Answer /metrics alone with this HTTP status (an agent whose metrics read fails while it is up). */
  metricsStatus?: number;
}

export interface AgentStub {
  url: string;
  state: AgentStubState;
  requests: number;
  close(): Promise<void>;
}

export async function startAgentStub(initial: Partial<AgentStubState> = {}, port = 0): Promise<AgentStub> {
  const state: AgentStubState = { token: 'read-token', status: 'ok', queued: 0, running: 0, succeeded: 0, failed: 0, version: '0.1.0', ...initial };
  const stub = { url: '', state, requests: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    stub.requests++;
    if (state.forceStatus) {
      res.writeHead(state.forceStatus).end();
      return;
    }
    if (req.headers.authorization !== `Bearer ${state.token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"UNAUTHORIZED"}');
      return;
    }
    if (req.url?.startsWith('/v1/health')) {
      const health = Health.parse({ status: state.status, live: true, ready: state.status === 'ok', queue: { queued: state.queued, running: state.running, workers: 2 } });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(health));
    } else if (req.url === '/v1/info') {
      const info = Info.parse({
        name: 'mediafleet-agent',
        version: state.version,
        agentId: 'stub',
        hardware: { cpuModel: 'stand-in', cores: 2, memoryBytes: 4 * 1024 ** 3, platform: 'linux', arch: 'x64', node: process.version, backend: 'none (stand-in agent)' },
        analyses: ['nsfw'],
        models: [],
        workers: 2,
        vectorSearch: 'exact-scan',
        limits: { maxUploadBytes: 1, maxSyncUploadBytes: 1, maxQueueDepth: 1000, jobTimeoutMs: 600_000 },
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(info));
    } else if (req.url === '/metrics' && state.metricsStatus) {
      res.writeHead(state.metricsStatus).end();
    } else if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(
        [
          '# HELP mediafleet_jobs_finished_total Jobs that reached a terminal status',
          '# TYPE mediafleet_jobs_finished_total counter',
          `mediafleet_jobs_finished_total{status="succeeded",code=""} ${state.succeeded}`,
          `mediafleet_jobs_finished_total{status="failed",code="DECODE_FAILED"} ${state.failed}`,
          '# TYPE mediafleet_workers_busy gauge',
          `mediafleet_workers_busy ${state.running}`,
          '',
        ].join('\n'),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return stub;
}
