// Measures what health polling costs the console: 100 agents (tiny HTTP servers on 127.0.0.1 speaking the
// agent's /v1/health, /v1/info and /metrics, run in a child process so their CPU is not counted) polled
// every 5 s by the real HealthMonitor writing to a real SQLite file. Prints CPU time of the console process,
// event-loop delay while polling, and round duration.
//   npm run bench:health -- [--agents 100] [--interval 5] [--seconds 30] [--json]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { FileVault } from '../electron/core/secrets/file-vault.js';
import { secretNames } from '../electron/core/secrets/secret-vault.js';
import { openConsoleStore } from '../electron/core/store/console-store.js';
import { startAgentStub } from '../test-harness/console/agent-stub-server.js';
import { AgentsRepository } from '../electron/core/fleet/agents-repository.js';
import { HealthMonitor } from '../electron/core/fleet/health/health-monitor.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '100' },
    interval: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '30' },
    json: { type: 'boolean', default: false },
    serve: { type: 'boolean', default: false },
  },
});

if (values.serve) {
  // Child: the simulated agents.
  const n = Number(values.agents);
  const stubs = await Promise.all(Array.from({ length: n }, (_, i) => startAgentStub({ token: `t${i}`, queued: i % 5, succeeded: i })));
  setInterval(() => stubs.forEach((s) => (s.state.succeeded += 3)), 1000);
  process.send!(stubs.map((s) => s.url));
  process.on('disconnect', () => process.exit(0));
} else {
  const agentCount = Number(values.agents);
  const intervalMs = Number(values.interval) * 1000;
  const durationMs = Math.min(Number(values.seconds), 600) * 1000;
  const child = fork(process.argv[1]!, ['--serve', '--agents', String(agentCount)], { execArgv: process.execArgv });
  const urls = await new Promise<string[]>((resolve) => child.once('message', (m) => resolve(m as string[])));
  const dir = mkdtempSync(join(tmpdir(), 'mf-bench-health-'));
  const db = openConsoleStore(join(dir, 'console.db'));
  const vault = FileVault.open({ path: join(dir, 'vault.json'), passphrase: 'bench', scrypt: { N: 2 ** 12, r: 8, p: 1 } });
  const agents = new AgentsRepository(db);
  for (const [i, url] of urls.entries()) {
    const a = agents.upsert({ serverId: null, name: `agent-${i}`, baseUrl: url });
    await vault.set(secretNames.agentAdminToken(a.id), `t${i}`);
  }
  const monitor = new HealthMonitor({
    db,
    vault,
    intervalMs,
    timeoutMs: 3000,
    targets: { agents: () => agents.list(), servers: () => [], connect: () => Promise.reject(new Error('none')) },
  });
  const rounds: number[] = [];
  let roundStart = 0;
  let samplesSeen = 0;
  monitor.events.on('sample', () => {
    if (++samplesSeen % agentCount === 0) rounds.push(performance.now() - roundStart);
  });
  // Mark when each round starts, to report how long a round of 100 probes takes.
  const origPoll = monitor.pollOnce.bind(monitor);
  monitor.pollOnce = () => {
    roundStart = performance.now();
    return origPoll();
  };
  // One unmeasured round first: it pays for JIT warm-up and opening the 100 keep-alive sockets.
  await monitor.pollOnce();
  samplesSeen = 0;
  rounds.length = 0;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  monitor.start();
  await new Promise((r) => setTimeout(r, durationMs));
  await monitor.stop();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  const up = monitor.snapshot().filter((s) => s.up).length;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const result = {
    agents: agentCount,
    interval_s: intervalMs / 1000,
    duration_s: +(wallMs / 1000).toFixed(1),
    rounds: rounds.length,
    agents_up_last_round: up,
    cpu_ms_total: +cpuMs.toFixed(0),
    cpu_percent_of_one_core: +((cpuMs / wallMs) * 100).toFixed(2),
    cpu_ms_per_round: +(cpuMs / Math.max(1, rounds.length)).toFixed(1),
    round_ms_p50: +(rounds.slice().sort((a, b) => a - b)[Math.floor(rounds.length / 2)] ?? 0).toFixed(1),
    round_ms_max: +Math.max(0, ...rounds).toFixed(1),
    loop_delay_ms_p50: +(loop.percentile(50) / 1e6).toFixed(2),
    loop_delay_ms_p99: +(loop.percentile(99) / 1e6).toFixed(2),
    loop_delay_ms_max: +(loop.max / 1e6).toFixed(2),
    rss_mb: +(process.memoryUsage().rss / 1e6).toFixed(0),
    samples_stored: (db.prepare('SELECT COUNT(*) AS n FROM health_samples').get() as { n: number }).n,
  };
  db.close();
  rmSync(dir, { recursive: true, force: true });
  child.disconnect();
  child.kill();
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(`Health polling: ${agentCount} agents every ${intervalMs / 1000} s for ${result.duration_s} s (${result.rounds} rounds)`);
    for (const [k, v] of Object.entries(result)) console.log(`  ${k.padEnd(26)} ${v}`);
  }
}
