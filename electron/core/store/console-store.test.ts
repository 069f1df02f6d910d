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

  it('enforces one open alert per kind and target', () => {
    const db = openConsoleStore(':memory:');
    const ins = db.prepare("INSERT INTO alerts (kind, target_id, message, opened_at) VALUES ('disk-full', 's', 'm', 't')");
    ins.run();
    expect(() => ins.run()).toThrow(/UNIQUE/);
    db.prepare("UPDATE alerts SET resolved_at = 'later'").run();
    ins.run();
    db.close();
  });
});
