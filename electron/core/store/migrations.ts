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
  /* 4: one operation engine for every long action (provisioning, deploy, HTTPS, benchmarks, model pulls, ...):
     provisioning's runs, steps, events and per-server locks become operations with a kind, a target and a lock
     key; the unused deployments table goes */ `
  CREATE TABLE operations (
    operation_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    target_id TEXT,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    options_json TEXT NOT NULL DEFAULT '{}',
    detail_json TEXT NOT NULL DEFAULT '{}',
    progress REAL,
    error_json TEXT,
    -- The process running it: a running operation whose owner is gone was interrupted.
    owner_pid INTEGER,
    owner_host TEXT,
    owner_id TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE INDEX operations_target ON operations(target_id, started_at);
  CREATE INDEX operations_kind ON operations(kind, started_at);
  CREATE TABLE operation_steps (
    operation_id TEXT NOT NULL REFERENCES operations(operation_id) ON DELETE CASCADE,
    step_id TEXT NOT NULL,
    ord INTEGER NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    already_satisfied INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (operation_id, step_id)
  );
  CREATE TABLE operation_events (
    operation_id TEXT NOT NULL REFERENCES operations(operation_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    phase TEXT NOT NULL,
    progress REAL,
    line TEXT,
    done INTEGER NOT NULL DEFAULT 0,
    error_json TEXT,
    PRIMARY KEY (operation_id, seq)
  );
  -- One row per lock key (e.g. server:<id>) held by a running operation; a row whose owner is gone is stale.
  CREATE TABLE operation_locks (
    lock_key TEXT PRIMARY KEY,
    operation_id TEXT NOT NULL,
    pid INTEGER NOT NULL,
    hostname TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    acquired_at TEXT NOT NULL
  );
  INSERT INTO operations (operation_id, kind, target_id, title, status, options_json, started_at, finished_at)
    SELECT operation_id, kind, server_id,
      CASE kind WHEN 'provision' THEN 'Provisioning' WHEN 'deploy' THEN 'Deploy' WHEN 'rollback' THEN 'Rollback'
        WHEN 'restart' THEN 'Restart' WHEN 'ssl' THEN 'HTTPS setup' ELSE kind END,
      CASE status WHEN 'running' THEN 'interrupted' ELSE status END, options_json, started_at, finished_at
    FROM provision_runs;
  INSERT INTO operation_steps SELECT operation_id, step_id, ord, title, status, already_satisfied, error, updated_at FROM provision_steps;
  INSERT INTO operation_events SELECT operation_id, seq, at, phase, progress, line, done, error_json FROM provision_events;
  DROP TABLE provision_events;
  DROP TABLE provision_steps;
  DROP TABLE provision_runs;
  DROP TABLE server_locks;
  DROP TABLE deployments;
  `,
  /* 5: analysis requests, the console's record of every file submitted (a drop, a folder, the command line),
     grouped in batches, with their attempts on agents and their results; what the dispatcher measured of each
     agent; agents registered by URL (not deployed by the console) and their cost class */ `
  CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    client_label TEXT,
    target_json TEXT NOT NULL,
    state TEXT NOT NULL,
    skipped_json TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE TABLE analysis_requests (
    -- Submission order: lists, paging and the runner's queue follow it.
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    batch_id TEXT NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    file_name TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    sha256 TEXT,
    media_kind TEXT NOT NULL,
    analyses_json TEXT,
    options_json TEXT NOT NULL DEFAULT '{}',
    client_label TEXT,
    idempotency_key TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0,
    pinned_agent_id TEXT,
    state TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    agent_stage TEXT,
    agent_id TEXT,
    agent_name TEXT,
    agent_job_id TEXT,
    decision TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    error_json TEXT,
    submitted_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    updated_at TEXT NOT NULL,
    -- The process working on it now (host|pid|id) and until when; a dead process's lease is free at once.
    lease_owner TEXT,
    lease_until INTEGER
  );
  CREATE INDEX analysis_requests_batch ON analysis_requests(batch_id, seq);
  CREATE INDEX analysis_requests_state ON analysis_requests(state, seq);
  CREATE INDEX analysis_requests_client ON analysis_requests(client_label, seq);
  CREATE TABLE request_attempts (
    id INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES analysis_requests(id) ON DELETE CASCADE,
    agent_id TEXT NOT NULL,
    agent_name TEXT NOT NULL,
    agent_job_id TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    outcome TEXT NOT NULL,
    error_json TEXT,
    -- An abandoned job the agent could not be told to cancel (it was unreachable): told again when it answers.
    cancel_pending INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX request_attempts_request ON request_attempts(request_id, id);
  CREATE INDEX request_attempts_cancel ON request_attempts(cancel_pending) WHERE cancel_pending = 1;
  CREATE TABLE request_results (
    request_id TEXT PRIMARY KEY REFERENCES analysis_requests(id) ON DELETE CASCADE,
    result_json TEXT NOT NULL,
    stored_at TEXT NOT NULL
  );
  CREATE TABLE dispatch_agent_stats (
    agent_id TEXT PRIMARY KEY,
    stats_json TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  -- deployed: by this console onto a server; manual: added by URL and token; rented: a GPU instance.
  ALTER TABLE agents ADD COLUMN kind TEXT NOT NULL DEFAULT 'deployed';
  ALTER TABLE agents ADD COLUMN cost_class TEXT NOT NULL DEFAULT 'fixed';
  `,
  /* 6: erasures of deleted requests' jobs on their agents, queued in the transaction that deletes the requests
     so an agent that is down then is told once it is back; a done or given-up row stays for the listing */ `
  CREATE TABLE agent_erasures (
    id INTEGER PRIMARY KEY,
    agent_id TEXT NOT NULL,
    -- The agent's name when the request was deleted (the agent may be removed from the console since).
    agent_name TEXT,
    agent_job_id TEXT NOT NULL,
    -- The deleted request's id: no reference, the request is gone.
    request_id TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    -- pending: to be done (tried again every few seconds); erased: the agent holds nothing of the job any more;
    -- failed: given up (the agent was removed from the console), with why in last_error_json.
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'erased', 'failed')),
    tries INTEGER NOT NULL DEFAULT 0,
    last_error_json TEXT,
    erased_at TEXT,
    -- The agent's ErasureReceipt; null when the agent had already forgotten the job (404).
    receipt_json TEXT
  );
  CREATE INDEX agent_erasures_pending ON agent_erasures(id) WHERE state = 'pending';
  CREATE INDEX agent_erasures_job ON agent_erasures(agent_id, agent_job_id);
  -- A job still held by a request that was not deleted (the same file under the same key) is not erased: these
  -- find such a request without reading every attempt.
  CREATE INDEX request_attempts_job ON request_attempts(agent_job_id) WHERE agent_job_id IS NOT NULL;
  CREATE INDEX analysis_requests_job ON analysis_requests(agent_job_id) WHERE agent_job_id IS NOT NULL;
  `,
  /* 7: money: the operator's cost settings, each server's monthly price, one meter per billed source (a server,
     a GPU rental) saying how far it has been accrued, the append-only ledger, and the budget alerts raised */ `
  CREATE TABLE cost_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    display_currency TEXT NOT NULL,
    -- {"USD": 0.92}: display-currency units one unit of each other currency is worth, as the operator entered it.
    rates_json TEXT NOT NULL DEFAULT '{}',
    -- In the display currency; NULL: no budget.
    monthly_budget REAL CHECK (monthly_budget > 0),
    daily_budget REAL CHECK (daily_budget > 0),
    -- Only scheme://host of the alert webhook: the URL itself may carry a token and lives in the vault.
    webhook_origin TEXT,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE server_prices (
    -- No reference to servers: a removed server's price still explains its ledger entries.
    server_id TEXT PRIMARY KEY,
    monthly_price REAL NOT NULL CHECK (monthly_price >= 0),
    currency TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE cost_meters (
    source_kind TEXT NOT NULL CHECK (source_kind IN ('vps', 'gpu')),
    -- The server's id, or the GPU rental's id.
    source_id TEXT NOT NULL,
    label TEXT NOT NULL,
    -- GPU: the rental's agent (a server's agents are found through agents.server_id).
    agent_id TEXT,
    vast_instance_id INTEGER,
    -- What the time after accrued_until_ms is billed at: the state and rate seen last. VPS: always running, the
    -- rate being its monthly price; GPU: $/h of the state (dph_total running, storage stopped).
    state TEXT NOT NULL CHECK (state IN ('running', 'stopped')),
    rate REAL NOT NULL,
    currency TEXT NOT NULL,
    -- Never decreases: a clock that goes back adds nothing until it passes this again.
    accrued_until_ms INTEGER NOT NULL,
    opened_at_ms INTEGER NOT NULL,
    -- Set when the source was seen gone (rental destroyed, server or its price removed): nothing more is billed.
    closed_at_ms INTEGER,
    PRIMARY KEY (source_kind, source_id)
  );
  CREATE TABLE cost_entries (
    id INTEGER PRIMARY KEY,
    source_kind TEXT NOT NULL CHECK (source_kind IN ('vps', 'gpu')),
    source_id TEXT NOT NULL,
    -- vps: a share of the month's price; gpu-running / gpu-stopped: seconds × rate; gpu-reconcile: the difference
    -- from Vast's /charges for a finished rental (a point in time: from_ms = to_ms).
    kind TEXT NOT NULL CHECK (kind IN ('vps', 'gpu-running', 'gpu-stopped', 'gpu-reconcile')),
    -- Inside one UTC day: spans are cut at midnight.
    from_ms INTEGER NOT NULL,
    to_ms INTEGER NOT NULL CHECK (to_ms >= from_ms),
    amount REAL NOT NULL,
    currency TEXT NOT NULL,
    -- The rate the amount was computed at (VPS: its monthly price; GPU: $/h); NULL for a reconciliation.
    rate REAL,
    detail_json TEXT,
    recorded_at_ms INTEGER NOT NULL
  );
  CREATE INDEX cost_entries_time ON cost_entries(from_ms);
  CREATE INDEX cost_entries_source ON cost_entries(source_kind, source_id, from_ms);
  -- Append-only, enforced by the store itself and not only by habit.
  CREATE TRIGGER cost_entries_no_update BEFORE UPDATE ON cost_entries BEGIN SELECT RAISE(ABORT, 'the cost ledger is append-only'); END;
  CREATE TRIGGER cost_entries_no_delete BEFORE DELETE ON cost_entries BEGIN SELECT RAISE(ABORT, 'the cost ledger is append-only'); END;
  CREATE TABLE budget_alerts (
    id INTEGER PRIMARY KEY,
    period TEXT NOT NULL CHECK (period IN ('month', 'day')),
    -- "2026-11" or "2026-11-24" (UTC).
    period_key TEXT NOT NULL,
    threshold INTEGER NOT NULL CHECK (threshold IN (50, 80, 100)),
    spent REAL NOT NULL,
    budget REAL NOT NULL,
    currency TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    -- none: no webhook set; pending, sent, failed (with why).
    webhook TEXT NOT NULL DEFAULT 'none' CHECK (webhook IN ('none', 'pending', 'sent', 'failed')),
    webhook_error TEXT,
    -- Raised once per period and threshold.
    UNIQUE (period, period_key, threshold)
  );
  -- Attribution reads the attempts that ran in a period.
  CREATE INDEX request_attempts_started ON request_attempts(started_at);
  `,
  /* 8: Vast.ai rentals, one row per rental intent (one create on one offer), written before the create is sent so
     a crash at any point leaves a row the reconcile can match to an instance by its label; and the console's own
     settings, starting with the id that every label of this console carries */ `
  CREATE TABLE console_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  -- Random, made once per store: instances labelled with another console's id are never touched by this one.
  INSERT INTO console_settings (key, value, updated_at)
    VALUES ('console_id', lower(hex(randomblob(6))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
  CREATE TABLE vast_rentals (
    id TEXT PRIMARY KEY,
    -- mediafleet-<console id>-<rental id>: how the read-back after an ambiguous create and the reconcile find it.
    label TEXT NOT NULL UNIQUE,
    -- The rent operation this attempt belongs to, and which attempt of it (a boot failure tries another offer).
    operation_id TEXT,
    attempt INTEGER NOT NULL DEFAULT 1,
    offer_id INTEGER NOT NULL,
    machine_id INTEGER,
    -- Null until Vast answered the create or the instance was found by its label.
    instance_id INTEGER UNIQUE,
    -- intent: recorded, create not sent; creating: sent; create-unknown: the answer was lost and no instance was
    -- seen yet; booting: the instance exists, its agent is not registered; running: registered in the fleet;
    -- destroying: destroy asked, not yet confirmed gone from the listing; destroyed; failed: nothing rented.
    state TEXT NOT NULL CHECK (state IN ('intent', 'creating', 'create-unknown', 'booting', 'running', 'destroying', 'destroyed', 'failed')),
    -- Vast's actual_status when last seen.
    vast_status TEXT,
    gpu_name TEXT,
    num_gpus INTEGER,
    disk_gb REAL NOT NULL,
    image TEXT NOT NULL,
    -- $/h: the GPU part, the disk part, and both (what Vast bills while running).
    dph_base REAL,
    storage_usd_per_hour REAL,
    dph_total REAL,
    agent_id TEXT,
    agent_name TEXT,
    agent_url TEXT,
    created_at TEXT NOT NULL,
    create_sent_at TEXT,
    instance_seen_at TEXT,
    running_at TEXT,
    destroy_requested_at TEXT,
    ended_at TEXT,
    updated_at TEXT NOT NULL,
    -- Why it ended (operator, boot-failed, canceled, orphan, gone, ...), and the last error met, if any.
    end_reason TEXT,
    last_error_code TEXT,
    last_error TEXT
  );
  CREATE INDEX vast_rentals_open ON vast_rentals(state) WHERE state NOT IN ('destroyed', 'failed');
  CREATE INDEX vast_rentals_operation ON vast_rentals(operation_id, attempt);
  `,
  /* 9: the GPU agent image this console last published to the operator's registry and found there afterwards
     (one row): what a Vast.ai rental has Vast pull, and the registry login (by name; the secret is in the vault) */ `
  CREATE TABLE gpu_image (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    image TEXT NOT NULL,
    registry TEXT NOT NULL,
    digest TEXT NOT NULL,
    credential_name TEXT,
    agent_version TEXT NOT NULL,
    cuda_base_image TEXT NOT NULL,
    operation_id TEXT NOT NULL,
    published_at TEXT NOT NULL
  );
  `,
  /* 10: the automatic scaler's decisions (rent, destroy, refuse), each with its reason code, the words an operator
     reads and the figures it was taken on (backlog, threshold, open rentals, forecast, limit, offer): append-only */ `
  CREATE TABLE autoscale_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('rent', 'destroy', 'refuse')),
    reason_code TEXT NOT NULL,
    message TEXT NOT NULL,
    figures_json TEXT NOT NULL DEFAULT '{}',
    rental_id TEXT,
    operation_id TEXT
  );
  CREATE INDEX autoscale_decisions_at ON autoscale_decisions(at);
  CREATE TRIGGER autoscale_decisions_no_update BEFORE UPDATE ON autoscale_decisions BEGIN SELECT RAISE(ABORT, 'autoscale decisions are append-only'); END;
  `,
  /* 11: pinned TLS to rented agents: the SHA-256 of the self-signed certificate an agent proved at pairing (hex).
     On the agent, what every connection to it must present; on the rental, kept from the moment the proof
     matched, so a reconcile that finishes a rental a crash cut short still knows which certificate to trust */ `
  ALTER TABLE agents ADD COLUMN tls_fingerprint TEXT;
  ALTER TABLE vast_rentals ADD COLUMN tls_fingerprint TEXT;
  `,
];
