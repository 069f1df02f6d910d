// The agent's SQLite file: WAL mode, forward-only migrations keyed by `user_version`, sqlite-vec when it loads.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';

export type Db = Database.Database;

export interface OpenedDatabase {
  db: Db;
  /** sqlite-vec loaded: face search runs in SQL; otherwise it falls back to an exact scan in JS. */
  hasVectorSearch: boolean;
}

const migrations: string[] = [
  `
  CREATE TABLE jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tenant TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','canceled')),
    priority TEXT NOT NULL CHECK (priority IN ('interactive','batch')),
    priority_rank INTEGER NOT NULL,
    idempotency_key TEXT,
    lease_owner TEXT,
    lease_expires_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    stage TEXT,
    timeout_ms INTEGER NOT NULL,
    input_path TEXT NOT NULL,
    file_name TEXT NOT NULL,
    options TEXT NOT NULL,
    result TEXT,
    error_code TEXT,
    error_message TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    updated_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX jobs_idempotency ON jobs (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX jobs_claim ON jobs (status, priority_rank, seq);
  CREATE INDEX jobs_tenant ON jobs (tenant, seq);

  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    secret_sha256 BLOB NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('admin','submit','read')),
    tenant TEXT NOT NULL,
    label TEXT,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
  );

  CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    name TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX persons_tenant ON persons (tenant);

  CREATE TABLE faces (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    face_index INTEGER NOT NULL,
    box TEXT NOT NULL,
    vector BLOB NOT NULL,
    person_id TEXT REFERENCES persons(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX faces_tenant ON faces (tenant);
  CREATE INDEX faces_job ON faces (job_id);
  CREATE INDEX faces_person ON faces (person_id);
  `,
  // Speaker search (agent/src/speakers-search): one voice embedding per diarized speech turn.
  `
  CREATE TABLE speaker_turns (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    turn_index INTEGER NOT NULL,
    speaker TEXT NOT NULL,
    start_sec REAL NOT NULL,
    end_sec REAL NOT NULL,
    vector BLOB NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX speaker_turns_tenant ON speaker_turns (tenant);
  CREATE INDEX speaker_turns_job ON speaker_turns (job_id);
  `,
];

export function openDatabase(file: string): OpenedDatabase {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  let hasVectorSearch = false;
  try {
    sqliteVec.load(db);
    hasVectorSearch = true;
  } catch {
    hasVectorSearch = false;
  }
  return { db, hasVectorSearch };
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version]);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
