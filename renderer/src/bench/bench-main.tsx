// Performance harness for `npm run bench:ui`: the real Jobs table and Fleet grid components, fed with
// generated data at the sizes the issue names (10,000 jobs; 100 agents refreshed every 5 s). The script
// drives this page in Chromium and reads window.__bench.
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { AnalysisSubmission } from '../../../electron/core/contracts/analyze.js';
import type { HealthState } from '../../../electron/core/contracts/health.js';
import { fleetCardRenders } from '../views/fleet/FleetCard.js';
import { FleetGrid } from '../views/fleet/FleetGrid.js';
import { JobsTable } from '../views/jobs/JobsTable.js';
import '../styles.css';

const stages = ['done', 'done', 'done', 'failed', 'running', 'queued', 'canceled'] as const;

function makeJobs(n: number): AnalysisSubmission[] {
  return Array.from({ length: n }, (_, i) => ({
    submissionId: `s${i}`,
    fileName: `batch-2026-11/camera-${String(i % 97).padStart(2, '0')}/IMG_${String(i).padStart(5, '0')}.jpg`,
    bytes: 200_000 + i,
    analyses: null,
    agentId: i % 3 === 0 ? 'local' : `agent-${i % 7}`,
    stage: stages[i % stages.length],
    progress: (i % 10) / 10,
    agentStage: null,
    jobId: `job-${i}`,
    submittedAt: new Date(Date.UTC(2026, 10, 24, 8, 0, 0) + i * 1000).toISOString(),
    finishedAt: null,
    error: stages[i % stages.length] === 'failed' ? { code: 'CORRUPT_MEDIA', message: 'cannot decode the image: premature end of JPEG' } : null,
  }));
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
    __bench: { ready: boolean; tick: number; renders: () => Record<string, number>; changedPerTick: number };
  }
}

const params = new URLSearchParams(location.search);
const scenario = params.get('scenario') ?? 'jobs';
const changedPerTick = Number(params.get('changed') ?? 10);
const intervalMs = Number(params.get('interval') ?? 5000);

function JobsBench() {
  const [jobs] = useState(() => makeJobs(Number(params.get('jobs') ?? 10_000)));
  useEffect(() => void (window.__bench.ready = true), []);
  return <JobsTable jobs={jobs} readOnly={false} onRetry={() => undefined} onCancel={() => undefined} />;
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
