import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { openConsoleStore, type ConsoleDb } from '../store/console-store.js';
import { ProvisionRepository } from './provision-repository.js';

let db: ConsoleDb;
afterEach(() => db?.close());

function setup() {
  db = openConsoleStore(':memory:');
  db.prepare("INSERT INTO servers (id, name, host, port, user, auth_kind, created_at) VALUES ('s1', 'a', 'h', 22, 'u', 'key', 'now')").run();
  return new ProvisionRepository(db);
}

describe('per-server provisioning lock', () => {
  it('refuses a second operation while the holder lives, and lets the holder re-enter', () => {
    const repo = setup();
    expect(repo.acquireLock('s1', 'op1').recoveredFrom).toBeNull();
    expect(() => repo.acquireLock('s1', 'op2')).toThrow(expect.objectContaining({ code: 'PROVISION_LOCKED' }));
    expect(repo.acquireLock('s1', 'op1').recoveredFrom).toBeNull();
    repo.releaseLock('s1', 'op1');
    expect(repo.acquireLock('s1', 'op2').recoveredFrom).toBeNull();
  });

  it('takes over a lock whose process is dead', async () => {
    const repo = setup();
    const child = spawn('true');
    const pid = child.pid!;
    await new Promise((r) => child.once('exit', r));
    db.prepare('INSERT INTO server_locks VALUES (?, ?, ?, ?, ?)').run('s1', 'dead-op', pid, hostname(), 'then');
    expect(repo.acquireLock('s1', 'op2').recoveredFrom).toMatchObject({ operation_id: 'dead-op', pid });
  });

  it('marks running runs without a live lock holder as interrupted', () => {
    const repo = setup();
    repo.createRun('op1', 's1', {}, [{ id: 'a', title: 'A' }]);
    repo.acquireLock('s1', 'op1');
    expect(repo.markInterruptedRuns()).toEqual([]);
    db.prepare('UPDATE server_locks SET pid = 999999999').run();
    expect(repo.markInterruptedRuns()).toEqual(['op1']);
    expect(repo.getRun('op1')?.status).toBe('interrupted');
  });
});

describe('events', () => {
  it('keeps sequence numbers and round-trips errors', () => {
    const repo = setup();
    repo.createRun('op1', 's1', {}, []);
    repo.appendEvent({ operationId: 'op1', seq: repo.nextSeq('op1'), phase: 'connect', progress: 0, line: 'hi' });
    repo.appendEvent({ operationId: 'op1', seq: repo.nextSeq('op1'), phase: 'failed', progress: 0.5, done: true, error: { code: 'X', message: 'm' } });
    expect(repo.events('op1')).toEqual([
      { operationId: 'op1', seq: 0, phase: 'connect', progress: 0, line: 'hi' },
      { operationId: 'op1', seq: 1, phase: 'failed', progress: 0.5, done: true, error: { code: 'X', message: 'm' } },
    ]);
    expect(repo.events('op1', 0)).toHaveLength(1);
  });
});
