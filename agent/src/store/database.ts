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
  // Tenancy: the all-tenants scope (a CHECK cannot be altered: the table is rebuilt), an audit log of who did
  // what, and a per-job event counter (SSE ids) instead of one counter across tenants.
  `
  CREATE TABLE tokens_v3 (
    id TEXT PRIMARY KEY,
    secret_sha256 BLOB NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('all-tenants','admin','submit','read')),
    tenant TEXT NOT NULL,
    label TEXT,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
  );
  INSERT INTO tokens_v3 SELECT id, secret_sha256, scope, tenant, label, created_at, last_used_at, revoked_at FROM tokens;
  DROP TABLE tokens;
  ALTER TABLE tokens_v3 RENAME TO tokens;
  CREATE INDEX tokens_tenant ON tokens (tenant);

  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    action TEXT NOT NULL,
    tenant TEXT,
    actor TEXT NOT NULL,
    actor_tenant TEXT,
    target TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX audit_tenant ON audit (tenant, seq);

  ALTER TABLE jobs ADD COLUMN event_seq INTEGER NOT NULL DEFAULT 0;
  `,
  // Limits and faults: what a request was (file hash and analyses) so a reused Idempotency-Key is noticed; runs a
  // job's own worker died in (counted against max_attempts) apart from runs the whole agent was stopped in (not
  // counted); indexes for per-tenant counts and fair ordering.
  `
  ALTER TABLE jobs ADD COLUMN request_sha256 TEXT;
  ALTER TABLE jobs ADD COLUMN worker_failures INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE jobs ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX jobs_tenant_status ON jobs (tenant, status);
  CREATE INDEX jobs_tenant_started ON jobs (tenant, started_at);
  `,
  // Webhooks: a job's callback URL, each tenant's signing secret, and every delivery with its attempts (the log the
  // API serves). A delivery belongs to one terminal state of its job (job_event_seq), so a re-run calls back again.
  `
  ALTER TABLE jobs ADD COLUMN callback_url TEXT;
  CREATE TABLE webhook_secrets (
    tenant TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    tenant TEXT NOT NULL,
    job_event_seq INTEGER NOT NULL,
    url TEXT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending','delivered','failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    give_up_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    last_status INTEGER,
    last_error TEXT
  );
  CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (job_id, job_event_seq);
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
  CREATE INDEX webhook_deliveries_tenant ON webhook_deliveries (tenant);
  CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms INTEGER NOT NULL
  );
  CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);
  `,
];

export function openDatabase(file: string): OpenedDatabase {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Erased rows (a job's faces, a tenant's results) are overwritten on disk, not just unlinked from the b-tree.
  db.pragma('secure_delete = ON');
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
