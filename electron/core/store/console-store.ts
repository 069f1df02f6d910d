// Opens the console's SQLite file (WAL, foreign keys) and brings its schema up to date.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConsoleError } from '../contracts/define.js';
import { migrations } from './migrations.js';

export type ConsoleDb = Database.Database;

export function openConsoleStore(path: string): ConsoleDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // Provisioning runners in other processes write to the same file; wait for their short transactions.
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

export function migrate(db: ConsoleDb): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new ConsoleError(
      'STORE_TOO_NEW',
      `The console store has schema version ${current}, newer than this console (${migrations.length}).`,
    );
  }
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
