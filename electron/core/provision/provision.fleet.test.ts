// Provisioning against a real sshd host in a network namespace: idempotence, the firewall's real effect,
// the per-server lock, cancel, and SIGKILL of the console process at each step followed by a resume.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLoginKeyPair } from '../fleet/ssh/login-key.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleCore, type ConsoleCore } from '../console-core.js';
import type { OperationEvent } from '../contracts/define.js';
import { cleanupStaleHosts, harnessUnavailableReason, startSimulatedVps, type SimulatedVps } from '../../../test-harness/console/simulated-vps.js';
import { secretNames } from '../secrets/secret-vault.js';
import { tcpReachable } from '../../../test-harness/console/net-probes.js';
import { baseProvisionSteps } from './base-steps.js';

const unavailable = harnessUnavailableReason();
const PASSPHRASE = 'fleet-test-passphrase';
const cliPath = join(import.meta.dirname, 'provision-cli.ts');
const repoRoot = join(import.meta.dirname, '../../..');

describe.skipIf(unavailable)(`provisioning${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let dir: string;
  let core: ConsoleCore;
  let vps: SimulatedVps;
  let serverId: string;
  const storePath = () => join(dir, 'console.db');
  const vaultPath = () => join(dir, 'vault.json');

  /** The end state provisioning promises, read from the host itself (not from our store). */
  function hostState() {
    return {
      user: vps.exec('id -nG mediafleet 2>&1 || true').trim(),
      home: vps.exec('stat -c "%U %a" /opt/mediafleet 2>&1 || true').trim(),
      firewall: vps.exec('nft list table inet mediafleet 2>/dev/null | grep -E "policy|dport" || true').trim(),
    };
  }

  beforeAll(async () => {
    cleanupStaleHosts();
    dir = mkdtempSync(join(tmpdir(), 'mf-prov-'));
    core = createConsoleCore({ storePath: storePath(), vault: { kind: 'file', path: vaultPath(), passphrase: PASSPHRASE } });
    vps = await startSimulatedVps({ index: 2 });
    const keys = generateLoginKeyPair('test');
    vps.exec(
      `install -d -m 700 -o ${vps.user} /home/${vps.user}/.ssh && echo '${keys.public}' > /home/${vps.user}/.ssh/authorized_keys && chown ${vps.user} /home/${vps.user}/.ssh/authorized_keys`,
    );
    serverId = (await core.fleet.addServer({ name: 'prov', host: vps.address, port: 22, user: vps.user, auth: { kind: 'key', privateKey: keys.private } })).id;
  });

  afterAll(async () => {
    await core?.close();
    await vps?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('applies every step on a fresh host, and a second run changes nothing', async () => {
    const events: OperationEvent[] = [];
    core.operations.events.on('operation', (e) => events.push(e));
    const first = core.provision.start(serverId);
    await core.operations.settled(first.operationId);
    const run1 = core.operations.status(first.operationId);
    expect(run1.status, JSON.stringify(core.operations.eventsSince(first.operationId).slice(-5))).toBe('succeeded');
    expect(run1.steps.map((s) => [s.stepId, s.status])).toEqual(baseProvisionSteps.map((s) => [s.id, 'applied']));
    const state = hostState();
    expect(state.user).toMatch(/\bdocker\b/);
    expect(state.home).toBe('mediafleet 750');
    expect(state.firewall).toContain('policy drop');
    expect(state.firewall).toContain('tcp dport { 22, 80, 443 } accept');
    // Events are ordered, numbered and end with done; progress never goes back.
    const mine = events.filter((e) => e.operationId === first.operationId);
    expect(mine.map((e) => e.seq)).toEqual(mine.map((_, i) => i));
    expect(mine.at(-1)).toMatchObject({ phase: 'done', done: true, progress: 1 });
    expect(core.operations.eventsSince(first.operationId)).toEqual(mine);

    const second = core.provision.start(serverId);
    await core.operations.settled(second.operationId);
    const run2 = core.operations.status(second.operationId);
    expect(run2.status).toBe('succeeded');
    expect(run2.steps.every((s) => s.status === 'satisfied' && s.alreadySatisfied)).toBe(true);
    expect(hostState()).toEqual(state);
    // Nothing secret reached the event log, the audit log or anywhere else in the store file.
    core.db.pragma('wal_checkpoint(TRUNCATE)');
    const storeBytes = readFileSync(storePath()).toString('latin1');
    const key = (await core.vault.get(secretNames.sshPrivateKey(serverId)))!;
    for (const line of key.split('\n').filter((l) => l.length > 20)) expect(storeBytes).not.toContain(line);
  });

  it('the firewall really drops other ports while 22/80 stay reachable', async () => {
    const listener = spawn('ip', [
      'netns', 'exec', vps.namespace, process.execPath, '-e',
      "const n=require('net');let k=0;for(const p of [80,8080]) n.createServer(s=>s.end('hi')).listen(p,'0.0.0.0',()=>{if(++k===2)console.log('ready')})",
    ]);
    try {
      await new Promise((r) => listener.stdout!.once('data', r));
      expect(await tcpReachable(vps.address, 80)).toBe('open');
      expect(await tcpReachable(vps.address, 22)).toBe('open');
      expect(await tcpReachable(vps.address, 8080)).toBe('filtered');
    } finally {
      listener.kill('SIGKILL');
    }
  });

  it('refuses a second run while a live process holds the lock, recovers a dead holder', async () => {
    const holder = spawn('sleep', ['60']);
    core.db
      .prepare('INSERT OR REPLACE INTO operation_locks (lock_key, operation_id, pid, hostname, owner_id, acquired_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(`server:${serverId}`, 'other-op', holder.pid, (await import('node:os')).hostname(), 'another-console', new Date().toISOString());
    expect(() => core.provision.start(serverId)).toThrow(expect.objectContaining({ code: 'PROVISION_LOCKED' }));
    await new Promise<void>((r) => {
      holder.once('exit', () => r());
      holder.kill('SIGKILL');
    });
    const { operationId } = core.provision.start(serverId);
    await core.operations.settled(operationId);
    expect(core.operations.status(operationId).status).toBe('succeeded');
    expect(core.audit.list({ targetId: serverId }).some((e) => e.action === 'operation.lock-recovered')).toBe(true);
  });

  it('cancels a run and a later run completes', async () => {
    await vps.reset();
    let operationId = '';
    const onEvent = (e: OperationEvent) => {
      if (e.operationId === operationId && e.phase === 'service-user:apply') core.operations.cancel(operationId);
    };
    core.operations.events.on('operation', onEvent);
    operationId = core.provision.start(serverId).operationId;
    await core.operations.settled(operationId);
    core.operations.events.off('operation', onEvent);
    const run = core.operations.status(operationId);
    expect(run.status).toBe('canceled');
    expect(run.steps.find((s) => s.stepId === 'service-user')?.status).toBe('canceled');
    expect(run.steps.find((s) => s.stepId === 'firewall')?.status).toBe('pending');
    const again = core.operations.resume(operationId);
    await core.operations.settled(again.operationId);
    const resumed = core.operations.status(operationId);
    expect(resumed.status, JSON.stringify(resumed.steps.filter((s) => s.error))).toBe('succeeded');
  });

  it('cancel lets the running remote command finish, then stops; steps from other features plug in', async () => {
    const marker = '/opt/mediafleet-slow-step-done';
    // A step another feature contributes to the plan, as the deploy feature's are.
    core.provision.addStepSource(() => [{
      id: 'slow-step',
      title: 'A slow step (as a deploy step would be)',
      check: async (ctx) => ({ satisfied: (await ctx.runAsRoot(`test -f ${marker}`, { quiet: true })).code === 0 }),
      apply: async (ctx) => {
        await ctx.runAsRoot(`echo started; sleep 2; touch ${marker}; echo finished`, { check: true });
        await ctx.registerAgent({ name: 'agent-on-prov', baseUrl: `https://${ctx.server.host}`, adminToken: 'ADMIN-TOKEN-SECRET-123' });
      },
    }]);
    let operationId = '';
    const lines: string[] = [];
    const onEvent = (e: OperationEvent) => {
      if (e.operationId !== operationId) return;
      if (e.line) lines.push(e.line);
      if (e.phase === 'slow-step:log' && e.line === 'started') core.operations.cancel(operationId);
    };
    core.operations.events.on('operation', onEvent);
    operationId = core.provision.start(serverId).operationId;
    await core.operations.settled(operationId);
    core.operations.events.off('operation', onEvent);
    const run = core.operations.status(operationId);
    expect(run.status).toBe('canceled');
    expect(run.steps.find((s) => s.stepId === 'slow-step')?.status).toBe('canceled');
    expect(lines).toContain('finished');
    expect(vps.exec(`test -f ${marker} && echo yes`).trim()).toBe('yes');
    const again = core.operations.resume(operationId);
    await core.operations.settled(again.operationId);
    const resumed = core.operations.status(operationId);
    expect(resumed.status).toBe('succeeded');
    expect(resumed.steps.find((s) => s.stepId === 'slow-step')).toMatchObject({ status: 'satisfied', alreadySatisfied: true });
    // Re-applying the step (its check fails again) registers the agent idempotently: still one agent.
    vps.exec(`rm ${marker}`);
    const third = core.provision.start(serverId);
    await core.operations.settled(third.operationId);
    expect(core.agents.forServer(serverId)).toHaveLength(1);
    const [agent] = core.agents.forServer(serverId);
    expect(agent).toMatchObject({ name: 'agent-on-prov', baseUrl: `https://${vps.address}` });
    expect(await core.vault.get(secretNames.agentAdminToken(agent!.id))).toBe('ADMIN-TOKEN-SECRET-123');
    core.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(storePath()).toString('latin1')).not.toContain('ADMIN-TOKEN-SECRET-123');
  });

  function runCli(args: string[], killAtPhase?: string): Promise<{ code: number | null; signal: string | null; events: OperationEvent[]; stderr: string }> {
    return new Promise((resolve) => {
      // `node --import tsx` (not the tsx wrapper, which forks a second process) so SIGKILL hits the runner itself.
      const child: ChildProcess = spawn(
        process.execPath,
        ['--import', 'tsx', cliPath, '--store', storePath(), '--vault', vaultPath(), '--server', serverId, ...args],
        { cwd: repoRoot, env: { ...process.env, MEDIAFLEET_VAULT_PASSPHRASE: PASSPHRASE } },
      );
      const events: OperationEvent[] = [];
      let buf = '';
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      child.stdout!.on('data', (c: Buffer) => {
        buf += c.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) {
          const e = JSON.parse(l) as OperationEvent;
          events.push(e);
          if (killAtPhase && e.phase === killAtPhase) child.kill('SIGKILL');
        }
      });
      child.once('exit', (code, signal) => resolve({ code, signal, events, stderr }));
    });
  }

  for (const step of baseProvisionSteps) {
    it(`SIGKILL of the console while applying "${step.id}", then resume, reaches the same end state`, async () => {
      await vps.reset();
      const killed = await runCli([], `${step.id}:apply`);
      expect(killed.signal).toBe('SIGKILL');
      const operationId = killed.events[0]!.operationId;
      // The store still says running: nobody told it otherwise before the process died.
      const crashed = core.operations.status(operationId);
      expect(crashed.status).toBe('running');
      expect(crashed.steps.find((s) => s.stepId === step.id)?.status).toBe('applying');
      const resumed = await runCli(['--resume', operationId]);
      expect(resumed.code, `${resumed.stderr}\n${JSON.stringify(killed.events.slice(-3))}\n${JSON.stringify(resumed.events.slice(-4))}`).toBe(0);
      const run = core.operations.status(operationId);
      expect(run.status).toBe('succeeded');
      const before = baseProvisionSteps.slice(0, baseProvisionSteps.indexOf(step)).map((s) => s.id);
      for (const s of run.steps) {
        expect(s.status).toBe(before.includes(s.stepId) ? 'satisfied' : s.status === 'satisfied' ? 'satisfied' : 'applied');
      }
      // Events continue the same sequence across the two processes.
      const all = core.operations.eventsSince(operationId);
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i));
      const state = hostState();
      expect(state.user).toMatch(/\bdocker\b/);
      expect(state.home).toBe('mediafleet 750');
      expect(state.firewall).toContain('tcp dport { 22, 80, 443 } accept');
      // And one more run finds nothing to do.
      const third = await runCli([]);
      expect(third.code).toBe(0);
      expect(third.events.filter((e) => e.phase.endsWith(':apply'))).toEqual([]);
    });
  }
});
