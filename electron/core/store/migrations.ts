// Schema of the console's SQLite store. Each migration runs once, in order, tracked by PRAGMA user_version;
// append new ones, never edit a shipped one.
export const migrations: readonly string[] = [
  /* 1: fleet, provisioning, health, alerts, audit */ `
  CREATE TABLE servers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    user TEXT NOT NULL,
    auth_kind TEXT NOT NULL CHECK (auth_kind IN ('key', 'generate', 'agent')),
    agent_socket TEXT,
    host_key_fingerprint TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (host, port, user)
  );
  CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    server_id TEXT REFERENCES servers(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    base_url TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE deployments (
    id TEXT PRIMARY KEY,
    server_id TEXT NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    agent_id TEXT REFERENCES agents(id) ON DELETE SET NULL,
    image TEXT NOT NULL,
    version TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE provision_runs (
    operation_id TEXT PRIMARY KEY,
    server_id TEXT NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    options_json TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE INDEX provision_runs_server ON provision_runs(server_id, started_at);
  CREATE TABLE provision_steps (
    operation_id TEXT NOT NULL REFERENCES provision_runs(operation_id) ON DELETE CASCADE,
    step_id TEXT NOT NULL,
    ord INTEGER NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    already_satisfied INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (operation_id, step_id)
  );
  CREATE TABLE provision_events (
    operation_id TEXT NOT NULL REFERENCES provision_runs(operation_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    phase TEXT NOT NULL,
    progress REAL,
    line TEXT,
    done INTEGER NOT NULL DEFAULT 0,
    error_json TEXT,
    PRIMARY KEY (operation_id, seq)
  );
  -- One row per server being provisioned; a row whose pid is dead on this host is stale and may be taken over.
  CREATE TABLE server_locks (
    server_id TEXT PRIMARY KEY,
    operation_id TEXT NOT NULL,
    pid INTEGER NOT NULL,
    hostname TEXT NOT NULL,
    acquired_at TEXT NOT NULL
  );
  CREATE TABLE health_samples (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    up INTEGER NOT NULL,
    reason TEXT,
    latency_ms REAL,
    queue_depth REAL,
    jobs_per_min REAL,
    errors_per_min REAL,
    version TEXT,
    load1 REAL,
    mem_ratio REAL,
    disk_ratio REAL
  );
  CREATE INDEX health_samples_target ON health_samples(kind, target_id, at_ms);
  -- Downsampled history: one row per target per minute, aggregated as samples arrive.
  CREATE TABLE health_buckets (
    kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    bucket_start_ms INTEGER NOT NULL,
    samples INTEGER NOT NULL,
    up_count INTEGER NOT NULL,
    latency_sum REAL NOT NULL DEFAULT 0,
    latency_n INTEGER NOT NULL DEFAULT 0,
    queue_sum REAL NOT NULL DEFAULT 0,
    queue_n INTEGER NOT NULL DEFAULT 0,
    load_sum REAL NOT NULL DEFAULT 0,
    load_n INTEGER NOT NULL DEFAULT 0,
    disk_max REAL,
    PRIMARY KEY (kind, target_id, bucket_start_ms)
  );
  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    message TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    resolved_at TEXT,
    acknowledged INTEGER NOT NULL DEFAULT 0
  );
  CREATE UNIQUE INDEX alerts_one_open ON alerts(kind, target_id) WHERE resolved_at IS NULL;
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target_id TEXT,
    detail_json TEXT NOT NULL
  );
  CREATE INDEX audit_log_target ON audit_log(target_id, id);
  `,
  /* 2: deploy settings per server, operation kinds (deploy/ssl runs share the provisioning machinery),
     certificate attempts and installed certificates (the issuance policy must survive a restart) */ `
  ALTER TABLE provision_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'provision';
  CREATE TABLE server_deploy_settings (
    server_id TEXT PRIMARY KEY REFERENCES servers(id) ON DELETE CASCADE,
    settings_json TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE certificate_attempts (
    id INTEGER PRIMARY KEY,
    server_id TEXT NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    domain TEXT NOT NULL,
    at TEXT NOT NULL,
    ok INTEGER NOT NULL,
    code TEXT,
    reason TEXT
  );
  CREATE INDEX certificate_attempts_domain ON certificate_attempts(domain, at);
  CREATE TABLE server_certificates (
    server_id TEXT NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    domain TEXT NOT NULL,
    not_after TEXT NOT NULL,
    issuer TEXT NOT NULL,
    serial TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (server_id, domain)
  );
  `,
  /* 3: finished benchmark runs per agent, with the agent's figures and hardware facts as it reported them */ `
  CREATE TABLE benchmark_runs (
    id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    agent_name TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    options_json TEXT NOT NULL,
    report_json TEXT NOT NULL
  );
  CREATE INDEX benchmark_runs_agent ON benchmark_runs(agent_id, finished_at);
  `,
];
