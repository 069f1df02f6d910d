// A tiny HTTP server speaking the agent's health surface (/v1/health, /v1/info, /metrics with the same
// shapes and metric names as agent/src/http), for health-polling tests and the polling benchmark where
// starting 100 real agents (with models) is not possible on two cores.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AgentStubState {
  token: string;
  status: 'ok' | 'degraded' | 'down';
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  version: string;
  /** Answer every request with this HTTP status instead (e.g. 503). */
  forceStatus?: number;
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
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ status: state.status, live: true, ready: true, queue: { queued: state.queued, running: state.running, workers: 2 } }),
      );
    } else if (req.url === '/v1/info') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'mediafleet-agent', version: state.version, agentId: 'stub' }));
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
