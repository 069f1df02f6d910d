// Performance harness for `npm run bench:ui`: the real Jobs view (fed by an in-page console that answers
// requests:list with 10,000 jobs and can push 'request' progress events like running files do) and the real
// Fleet grid (100 agents refreshed every 5 s). The script drives this page in Chromium and reads window.__bench.
import '../zod-jitless.js'; // first: the page runs under the same strict CSP as the app
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { AnalysisRequest } from '../../../electron/core/contracts/requests.js';
import type { HealthState } from '../../../electron/core/contracts/health.js';
import { ConsoleClient } from '../api/client.js';
import { ConsoleProvider } from '../api/console-context.js';
import type { ConsoleEvent, ConsoleTransport } from '../api/transport.js';
import { fleetCardRenders } from '../views/fleet/FleetCard.js';
import { FleetGrid } from '../views/fleet/FleetGrid.js';
import { JobsView } from '../views/jobs/JobsView.js';
import '../styles.css';

const states = ['done', 'done', 'done', 'failed', 'running', 'queued', 'canceled'] as const;

function makeJobs(n: number): AnalysisRequest[] {
  return Array.from({ length: n }, (_, i) => {
    const state = states[i % states.length];
    const agent = i % 3 === 0 ? { id: 'local', name: 'This computer' } : { id: `agent-${i % 7}`, name: `vps-${i % 7}` };
    const submittedAt = new Date(Date.UTC(2026, 10, 24, 8, 0, 0) + i * 1000).toISOString();
    return {
      requestId: `r${i}`,
      batchId: `b${Math.floor(i / 1000)}`,
      fileName: `batch-2026-11/camera-${String(i % 97).padStart(2, '0')}/IMG_${String(i).padStart(5, '0')}.jpg`,
      path: `/photos/batch-2026-11/IMG_${String(i).padStart(5, '0')}.jpg`,
      bytes: 200_000 + i,
      sha256: null,
      mediaKind: 'image',
      analyses: null,
      clientLabel: i % 2 ? 'Acme' : null,
      state,
      progress: (i % 10) / 10,
      agentStage: null,
      agentId: agent.id,
      agentName: agent.name,
      agentJobId: `job-${i}`,
      decision: `earliest finish: ${agent.name}, about ${1 + (i % 9)} s`,
      attempts: 1 + (i % 4 === 0 ? 1 : 0),
      submittedAt,
      startedAt: submittedAt,
      finishedAt: null,
      error: state === 'failed' ? { code: 'CORRUPT_MEDIA', message: 'cannot decode the image: premature end of JPEG' } : null,
    };
  });
}

function makeAgent(i: number, tick: number): HealthState {
  return {
    kind: 'agent',
    targetId: `agent-${i}`,
    up: true,
    reason: null,
    latencyMs: 10 + (i % 13),
    checkedAt: new Date(Date.UTC(2026, 10, 24) + tick * 5000).toISOString(),
    queueDepth: (i * 7 + tick) % 20,
    jobsPerMinute: 4 + (i % 5),
    errorsPerMinute: 0,
    version: '0.1.0',
    load1: null,
    memoryUsedRatio: null,
    diskUsedRatio: null,
  };
}

declare global {
  interface Window {
    __bench: {
      ready: boolean;
      tick: number;
      renders: () => Record<string, number>;
      changedPerTick: number;
      /** Starts pushing `perSecond` progress events for running jobs (as the console does); returns a stop function. */
      startProgressEvents?: (perSecond: number) => () => void;
    };
  }
}

const params = new URLSearchParams(location.search);
const scenario = params.get('scenario') ?? 'jobs';
const changedPerTick = Number(params.get('changed') ?? 10);
const intervalMs = Number(params.get('interval') ?? 5000);

/** The console as the Jobs view sees it: requests:list answers with the generated jobs (as JSON, like the wire). */
function benchConsole(jobs: AnalysisRequest[]): ConsoleClient {
  const listeners = new Set<(event: ConsoleEvent) => void>();
  const transport: ConsoleTransport = {
    kind: 'http',
    readOnly: false,
    async invoke(method) {
      if (method === 'requests:list') return { ok: true, data: JSON.parse(JSON.stringify(jobs)) as unknown };
      if (method === 'batches:list') return { ok: true, data: [] };
      return { ok: false, error: { code: 'NOT_IMPLEMENTED', message: `${method} is not part of the bench` } };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    uploadFile: () => Promise.reject(new Error('no uploads in the bench')),
  };
  window.__bench.startProgressEvents = (perSecond) => {
    const running = jobs.filter((j) => j.state === 'running').slice(0, 50);
    let n = 0;
    const timer = setInterval(() => {
      const job = running[n++ % running.length];
      const payload: AnalysisRequest = { ...job, progress: (n % 100) / 100, agentStage: `frame ${n}` };
      for (const l of listeners) l({ channel: 'request', payload });
    }, 1000 / perSecond);
    return () => clearInterval(timer);
  };
  return new ConsoleClient(transport);
}

function JobsBench() {
  const [jobs] = useState(() => makeJobs(Number(params.get('jobs') ?? 10_000)));
  const [client] = useState(() => benchConsole(jobs));
  const [queryClient] = useState(() => new QueryClient());
  return (
    <QueryClientProvider client={queryClient}>
      <ConsoleProvider client={client}>
        <JobsReady />
        <JobsView />
      </ConsoleProvider>
    </QueryClientProvider>
  );
}

/** Ready once the table's rows are on screen. */
function JobsReady() {
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.querySelector('.jobs-row')) {
        window.__bench.ready = true;
        clearInterval(timer);
      }
    }, 20);
    return () => clearInterval(timer);
  }, []);
  return null;
}

function FleetBench() {
  const [snapshot, setSnapshot] = useState(() => Array.from({ length: 100 }, (_, i) => makeAgent(i, 0)));
  useEffect(() => {
    window.__bench.ready = true;
    const timer = setInterval(() => {
      window.__bench.tick += 1;
      const tick = window.__bench.tick;
      // Like a health poll: a new array every time; only `changedPerTick` agents have a new sample, the rest
      // are the identical objects (react-query's structural sharing gives the Fleet view the same).
      setSnapshot((prev) => prev.map((h, i) => (i % Math.floor(100 / changedPerTick) === tick % Math.floor(100 / changedPerTick) ? makeAgent(i, tick) : h)));
    }, intervalMs);
    return () => clearInterval(timer);
  }, []);
  return <FleetGrid snapshot={snapshot} names={new Map()} alerts={[]} />;
}

window.__bench = { ready: false, tick: 0, renders: () => Object.fromEntries(fleetCardRenders), changedPerTick };
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <div className="content">{scenario === 'fleet' ? <FleetBench /> : <JobsBench />}</div>
  </StrictMode>,
);
