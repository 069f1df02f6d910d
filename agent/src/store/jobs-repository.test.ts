// The queue's SQL on a real SQLite file: leasing order, lease expiry and takeover, the attempts cap, and the
// lease fencing that keeps a job from being finished twice.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.js';
import { JobsRepository, maxInterruptions, type NewJob } from './jobs-repository.js';

let dir: string;
let db: Db;
let now: number;
let jobs: JobsRepository;

const job = (id: string, over: Partial<NewJob> = {}): NewJob => ({
  id,
  tenant: 'acme',
  priority: 'batch',
  maxAttempts: 2,
  timeoutMs: 60_000,
  inputPath: `/tmp/${id}`,
  fileName: `${id}.png`,
  options: {},
  ...over,
});

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobs-repo-'));
  db = openDatabase(path.join(dir, 'agent.sqlite')).db;
  now = 1_000_000;
  jobs = new JobsRepository(db, () => now);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('JobsRepository', () => {
  it('uses WAL', () => {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('leases interactive before batch, oldest first, each job to one owner', () => {
    jobs.insert(job('b1'));
    jobs.insert(job('b2'));
    jobs.insert(job('i1', { priority: 'interactive' }));
    expect(jobs.leaseNextJob('A', 1000)?.id).toBe('i1');
    expect(jobs.leaseNextJob('B', 1000)?.id).toBe('b1');
    expect(jobs.leaseNextJob('A', 1000)?.id).toBe('b2');
    expect(jobs.leaseNextJob('B', 1000)).toBeUndefined();
  });

  it('gives a job whose lease expired to the next owner, and only the new owner can finish it', () => {
    jobs.insert(job('j'));
    expect(jobs.leaseNextJob('dead', 1000)).toMatchObject({ id: 'j', attempts: 1, leaseOwner: 'dead' });
    now += 500;
    expect(jobs.leaseNextJob('alive', 1000)).toBeUndefined(); // lease still valid
    now += 600;
    expect(jobs.leaseNextJob('alive', 1000)).toMatchObject({ id: 'j', attempts: 2, leaseOwner: 'alive' });
    expect(jobs.renewLease('j', 'dead', 1000)).toBe(false);
    expect(jobs.markSucceeded('j', 'dead', { from: 'dead' })).toBe(false);
    expect(jobs.markSucceeded('j', 'alive', { from: 'alive' })).toBe(true);
    expect(jobs.markSucceeded('j', 'alive', { again: true })).toBe(false);
    expect(jobs.get('j')).toMatchObject({ status: 'succeeded', result: { from: 'alive' } });
  });

  it('takes a job whose agent died back without counting it against its attempts, and ends a crash loop', () => {
    jobs.insert(job('poison', { maxAttempts: 2 }));
    jobs.leaseNextJob('a', 100);
    // The agent holding it died (lease ran out) more often than the job's attempts allow: still taken again.
    for (let i = 1; i < maxInterruptions; i++) {
      now += 200;
      expect(jobs.leaseNextJob(`agent-${i}`, 100)?.id).toBe('poison');
    }
    expect(jobs.get('poison')).toMatchObject({ status: 'running', interruptions: maxInterruptions - 1 });
    // One more: an agent that stops every time it runs this job is not started on it for ever.
    now += 200;
    expect(jobs.leaseNextJob('last', 100)).toBeUndefined();
    expect(jobs.get('poison')).toMatchObject({ status: 'failed', error: { code: 'INTERNAL', message: expect.stringContaining(`${maxInterruptions} times`) } });
  });

  it('returns the existing job for a repeated idempotency key, per tenant', () => {
    const first = jobs.insert(job('x', { idempotencyKey: 'k' }));
    const again = jobs.insert(job('y', { idempotencyKey: 'k' }));
    const other = jobs.insert(job('z', { idempotencyKey: 'k', tenant: 'globex' }));
    expect([first.created, again.created, other.created]).toEqual([true, false, true]);
    expect(again.job.id).toBe('x');
    expect(jobs.get('y')).toBeUndefined();
  });

  it('cancels only the tenant’s own queued or running jobs; a canceled job cannot then succeed', () => {
    jobs.insert(job('r'));
    jobs.leaseNextJob('A', 1000);
    expect(jobs.cancel('globex', 'r')).toBeUndefined();
    expect(jobs.cancel('acme', 'r')).toMatchObject({ changed: true, job: { status: 'canceled' } });
    expect(jobs.markSucceeded('r', 'A', {})).toBe(false);
    expect(jobs.cancel('acme', 'r')?.changed).toBe(false);
  });

  it('release gives a running job back without counting the attempt', () => {
    jobs.insert(job('s'));
    jobs.leaseNextJob('A', 1000);
    expect(jobs.release('s', 'A')).toBe(true);
    expect(jobs.get('s')).toMatchObject({ status: 'queued', attempts: 0, leaseOwner: null });
  });

  it('pages by cursor newest first and filters by tenant and status', () => {
    for (let i = 0; i < 5; i++) jobs.insert(job(`p${i}`));
    jobs.insert(job('other', { tenant: 'globex' }));
    const first = jobs.listForTenant('acme', { limit: 2 });
    expect(first.map((j) => j.id)).toEqual(['p4', 'p3']);
    const second = jobs.listForTenant('acme', { limit: 2, beforeSeq: first[1].seq });
    expect(second.map((j) => j.id)).toEqual(['p2', 'p1']);
    expect(jobs.listForTenant('acme', { limit: 10, status: 'running' })).toEqual([]);
  });
});
