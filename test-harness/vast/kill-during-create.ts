// Test helper: starts the console as a process (rental-crash-child.ts) renting an offer on the fake Vast.ai, and
// SIGKILLs it once the fake holds its create — after the intent row was written and before the console could
// record an instance. `performed` says whether Vast made the instance anyway (killed between create and commit)
// or not (killed between intent and create, as far as Vast is concerned). Answers the rent operation's id.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { repoRoot } from './agent-instance-runtime.js';
import type { FakeVast } from './fake-vast.js';

const childScript = resolve(repoRoot, 'test-harness/vast/rental-crash-child.ts');

export async function killDuringCreate(fake: FakeVast, dir: string, offerId: number, performed: boolean, options: { restoreHoldMs?: number; waitMs?: number } = {}): Promise<string> {
  const heldBefore = fake.log.entries.filter((e) => e.endpoint === 'create' && e.fault === 'create-timeout').length;
  fake.faults.createTimeoutHoldMs = 60_000;
  fake.faults.failNextCreate('timeout', performed);
  // tsx as a loader in this very process: its CLI would run the console in a grandchild the kill misses.
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, dir, fake.url, String(offerId)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const until = Date.now() + (options.waitMs ?? 30_000);
  while (fake.log.entries.filter((e) => e.endpoint === 'create' && e.fault === 'create-timeout').length === heldBefore) {
    if (Date.now() > until || child.exitCode !== null) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`the console process never sent its create: ${out.slice(-600)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  await exited;
  fake.faults.createTimeoutHoldMs = options.restoreHoldMs ?? 4_000;
  const operationId = /operation (\S+)/.exec(out)?.[1];
  if (!operationId) throw new Error(`the console process did not say its operation: ${out.slice(-600)}`);
  return operationId;
}
