import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openConsoleStore } from './console-store.js';
import { migrations } from './migrations.js';

describe('console store', () => {
  it('migrates a new file to the latest version, and reopening changes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-store-'));
    try {
      const path = join(dir, 'c.db');
      const db = openConsoleStore(path);
      expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.prepare("INSERT INTO servers (id, name, host, port, user, auth_kind, created_at) VALUES ('a', 'n', 'h', 22, 'u', 'key', 't')").run();
      db.close();
      const again = openConsoleStore(path);
      expect(again.prepare('SELECT COUNT(*) AS n FROM servers').get()).toEqual({ n: 1 });
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a store written by a newer console', () => {
    const db = openConsoleStore(':memory:');
    db.pragma(`user_version = ${migrations.length + 1}`);
    expect(() => migrate(db)).toThrow(expect.objectContaining({ code: 'STORE_TOO_NEW' }));
    db.close();
  });

  it('migration 6 adds the queue of erasures on agents to a version-5 store, keeping its requests', () => {
    const db = new Database(':memory:');
    for (const m of migrations.slice(0, 5)) db.exec(m);
    db.pragma('user_version = 5');
    db.prepare("INSERT INTO batches (id, label, target_json, state, created_at) VALUES ('b', 'l', '{}', 'done', 't')").run();
    db.prepare(
      "INSERT INTO analysis_requests (id, batch_id, path, file_name, bytes, media_kind, idempotency_key, state, submitted_at, updated_at) VALUES ('r', 'b', '/a.jpg', 'a.jpg', 1, 'image', 'k', 'done', 't', 't')",
    ).run();
    migrate(db);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(db.prepare('SELECT id FROM analysis_requests').all()).toEqual([{ id: 'r' }]);
    db.prepare("INSERT INTO agent_erasures (agent_id, agent_job_id, request_id, queued_at) VALUES ('a', 'j', 'r', 't')").run();
    expect(db.prepare('SELECT state, tries, erased_at, receipt_json FROM agent_erasures').get()).toEqual({ state: 'pending', tries: 0, erased_at: null, receipt_json: null });
    expect(() => db.prepare("UPDATE agent_erasures SET state = 'lost'").run()).toThrow(/CHECK/);
    db.close();
  });

  it('enforces one open alert per kind and target', () => {
    const db = openConsoleStore(':memory:');
    const ins = db.prepare("INSERT INTO alerts (kind, target_id, message, opened_at) VALUES ('disk-full', 's', 'm', 't')");
    ins.run();
    expect(() => ins.run()).toThrow(/UNIQUE/);
    db.prepare("UPDATE alerts SET resolved_at = 'later'").run();
    ins.run();
    db.close();
  });
  it('migration 8 gives each store its own console id, kept across reopening, and records rentals by unique label', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-store-'));
    try {
      const db = openConsoleStore(join(dir, 'a.db'));
      const id = (db.prepare("SELECT value FROM console_settings WHERE key = 'console_id'").get() as { value: string }).value;
      expect(id).toMatch(/^[0-9a-f]{12}$/);
      const insert = db.prepare("INSERT INTO vast_rentals (id, label, offer_id, state, disk_gb, image, created_at, updated_at) VALUES (?, ?, 1, ?, 32, 'i', 't', 't')");
      insert.run('r1', `mediafleet-${id}-r1`, 'intent');
      expect(() => insert.run('r2', `mediafleet-${id}-r1`, 'intent')).toThrow(/UNIQUE/);
      expect(() => insert.run('r3', `mediafleet-${id}-r3`, 'lost')).toThrow(/CHECK/);
      db.close();
      const again = openConsoleStore(join(dir, 'a.db'));
      expect(again.prepare("SELECT value FROM console_settings WHERE key = 'console_id'").get()).toEqual({ value: id });
      again.close();
      const other = openConsoleStore(join(dir, 'b.db'));
      expect(other.prepare("SELECT value FROM console_settings WHERE key = 'console_id'").get()).not.toEqual({ value: id });
      other.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
