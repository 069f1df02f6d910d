// The console's record of its Vast.ai rentals: one row per rental intent (one create on one offer). The row is
// written before the create is sent and carries the instance's unique label, so whatever crashes in between,
// the reconcile can match every instance this console made to a row. State changes are single UPDATEs.
import type { ConsoleDb } from '../store/console-store.js';

export const rentalStates = ['intent', 'creating', 'create-unknown', 'booting', 'running', 'destroying', 'destroyed', 'failed'] as const;
export type RentalState = (typeof rentalStates)[number];

/** States in which an instance may exist (or be about to) and still bill: the reconcile looks after these. */
export const openRentalStates: readonly RentalState[] = ['intent', 'creating', 'create-unknown', 'booting', 'running', 'destroying'];

export interface RentalRecord {
  id: string;
  label: string;
  operationId: string | null;
  attempt: number;
  offerId: number;
  machineId: number | null;
  instanceId: number | null;
  state: RentalState;
  vastStatus: string | null;
  gpuName: string | null;
  numGpus: number | null;
  diskGb: number;
  image: string;
  dphBase: number | null;
  storageUsdPerHour: number | null;
  dphTotal: number | null;
  agentId: string | null;
  agentName: string | null;
  agentUrl: string | null;
  /** The SHA-256 of the certificate its agent proved at pairing (migration 11); null until then. */
  tlsFingerprint: string | null;
  createdAt: string;
  createSentAt: string | null;
  instanceSeenAt: string | null;
  runningAt: string | null;
  destroyRequestedAt: string | null;
  endedAt: string | null;
  updatedAt: string;
  endReason: string | null;
  lastErrorCode: string | null;
  lastError: string | null;
}

interface RentalRow {
  id: string;
  label: string;
  operation_id: string | null;
  attempt: number;
  offer_id: number;
  machine_id: number | null;
  instance_id: number | null;
  state: RentalState;
  vast_status: string | null;
  gpu_name: string | null;
  num_gpus: number | null;
  disk_gb: number;
  image: string;
  dph_base: number | null;
  storage_usd_per_hour: number | null;
  dph_total: number | null;
  agent_id: string | null;
  agent_name: string | null;
  agent_url: string | null;
  tls_fingerprint: string | null;
  created_at: string;
  create_sent_at: string | null;
  instance_seen_at: string | null;
  running_at: string | null;
  destroy_requested_at: string | null;
  ended_at: string | null;
  updated_at: string;
  end_reason: string | null;
  last_error_code: string | null;
  last_error: string | null;
}

const fromRow = (r: RentalRow): RentalRecord => ({
  id: r.id,
  label: r.label,
  operationId: r.operation_id,
  attempt: r.attempt,
  offerId: r.offer_id,
  machineId: r.machine_id,
  instanceId: r.instance_id,
  state: r.state,
  vastStatus: r.vast_status,
  gpuName: r.gpu_name,
  numGpus: r.num_gpus,
  diskGb: r.disk_gb,
  image: r.image,
  dphBase: r.dph_base,
  storageUsdPerHour: r.storage_usd_per_hour,
  dphTotal: r.dph_total,
  agentId: r.agent_id,
  agentName: r.agent_name,
  agentUrl: r.agent_url,
  tlsFingerprint: r.tls_fingerprint ?? null,
  createdAt: r.created_at,
  createSentAt: r.create_sent_at,
  instanceSeenAt: r.instance_seen_at,
  runningAt: r.running_at,
  destroyRequestedAt: r.destroy_requested_at,
  endedAt: r.ended_at,
  updatedAt: r.updated_at,
  endReason: r.end_reason,
  lastErrorCode: r.last_error_code,
  lastError: r.last_error,
});

export interface NewRental {
  id: string;
  label: string;
  operationId: string | null;
  attempt: number;
  offerId: number;
  machineId?: number | null;
  diskGb: number;
  image: string;
  gpuName?: string | null;
  numGpus?: number | null;
  dphBase?: number | null;
  storageUsdPerHour?: number | null;
  dphTotal?: number | null;
}

/** What an instance listing or poll said about a rental's instance. */
export interface InstanceFacts {
  vastStatus: string | null;
  machineId?: number | null;
  gpuName?: string | null;
  numGpus?: number | null;
  dphBase?: number | null;
  storageUsdPerHour?: number | null;
  dphTotal?: number | null;
}

export interface RentalError {
  code: string;
  message: string;
}

export class RentalsRepository {
  constructor(
    private readonly db: ConsoleDb,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private stamp(): string {
    return this.now().toISOString();
  }

  /** The intent, before anything is sent to Vast. */
  insertIntent(rental: NewRental): RentalRecord {
    const at = this.stamp();
    this.db
      .prepare(
        `INSERT INTO vast_rentals (id, label, operation_id, attempt, offer_id, machine_id, state, gpu_name, num_gpus, disk_gb, image,
           dph_base, storage_usd_per_hour, dph_total, created_at, updated_at)
         VALUES (@id, @label, @operationId, @attempt, @offerId, @machineId, 'intent', @gpuName, @numGpus, @diskGb, @image,
           @dphBase, @storageUsdPerHour, @dphTotal, @at, @at)`,
      )
      .run({
        machineId: null,
        gpuName: null,
        numGpus: null,
        dphBase: null,
        storageUsdPerHour: null,
        dphTotal: null,
        ...rental,
        at,
      });
    return this.get(rental.id)!;
  }

  get(id: string): RentalRecord | null {
    const row = this.db.prepare('SELECT * FROM vast_rentals WHERE id = ?').get(id) as RentalRow | undefined;
    return row ? fromRow(row) : null;
  }

  byLabel(label: string): RentalRecord | null {
    const row = this.db.prepare('SELECT * FROM vast_rentals WHERE label = ?').get(label) as RentalRow | undefined;
    return row ? fromRow(row) : null;
  }

  byInstance(instanceId: number): RentalRecord | null {
    const row = this.db.prepare('SELECT * FROM vast_rentals WHERE instance_id = ?').get(instanceId) as RentalRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** Rows whose instance may exist: what the reconcile checks against the listing. */
  listOpen(): RentalRecord[] {
    return (this.db.prepare(`SELECT * FROM vast_rentals WHERE state NOT IN ('destroyed', 'failed') ORDER BY created_at`).all() as RentalRow[]).map(fromRow);
  }

  /** Newest first. */
  list(filter: { includeEnded: boolean; limit: number }): RentalRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM vast_rentals WHERE (@includeEnded = 1 OR state NOT IN ('destroyed', 'failed')) ORDER BY created_at DESC, attempt DESC LIMIT @limit`)
      .all({ includeEnded: filter.includeEnded ? 1 : 0, limit: filter.limit }) as RentalRow[];
    return rows.map(fromRow);
  }

  forOperation(operationId: string): RentalRecord[] {
    return (this.db.prepare('SELECT * FROM vast_rentals WHERE operation_id = ? ORDER BY attempt').all(operationId) as RentalRow[]).map(fromRow);
  }

  markCreating(id: string): void {
    const at = this.stamp();
    this.db.prepare(`UPDATE vast_rentals SET state = 'creating', create_sent_at = ?, updated_at = ? WHERE id = ?`).run(at, at, id);
  }

  markCreateUnknown(id: string, error: RentalError): void {
    this.db
      .prepare(`UPDATE vast_rentals SET state = 'create-unknown', last_error_code = ?, last_error = ?, updated_at = ? WHERE id = ?`)
      .run(error.code, error.message, this.stamp(), id);
  }

  /** The instance exists (Vast answered the create, or it was found by its label). */
  markBooting(id: string, instanceId: number): void {
    const at = this.stamp();
    this.db
      .prepare(`UPDATE vast_rentals SET state = 'booting', instance_id = ?, instance_seen_at = COALESCE(instance_seen_at, ?), updated_at = ? WHERE id = ?`)
      .run(instanceId, at, at, id);
  }

  /** Records what Vast says of the instance now (status, machine, rates); never changes the state. */
  recordInstance(id: string, facts: InstanceFacts): void {
    this.db
      .prepare(
        `UPDATE vast_rentals SET vast_status = @vastStatus,
           machine_id = COALESCE(@machineId, machine_id), gpu_name = COALESCE(@gpuName, gpu_name), num_gpus = COALESCE(@numGpus, num_gpus),
           dph_base = COALESCE(@dphBase, dph_base), storage_usd_per_hour = COALESCE(@storageUsdPerHour, storage_usd_per_hour),
           dph_total = COALESCE(@dphTotal, dph_total), updated_at = @at
         WHERE id = @id`,
      )
      .run({ machineId: null, gpuName: null, numGpus: null, dphBase: null, storageUsdPerHour: null, dphTotal: null, ...facts, id, at: this.stamp() });
  }

  /** Kept the moment the agent's proof matched its certificate, before the token is sent (a crash then still knows it). */
  setTlsFingerprint(id: string, fingerprint: string): void {
    this.db.prepare('UPDATE vast_rentals SET tls_fingerprint = ?, updated_at = ? WHERE id = ?').run(fingerprint, this.stamp(), id);
  }

  markRunning(id: string, agent: { agentId: string; agentName: string; agentUrl: string }): void {
    const at = this.stamp();
    this.db
      .prepare(`UPDATE vast_rentals SET state = 'running', agent_id = ?, agent_name = ?, agent_url = ?, running_at = COALESCE(running_at, ?), updated_at = ? WHERE id = ?`)
      .run(agent.agentId, agent.agentName, agent.agentUrl, at, at, id);
  }

  markDestroying(id: string, reason: string): void {
    const at = this.stamp();
    this.db
      .prepare(`UPDATE vast_rentals SET state = 'destroying', end_reason = ?, destroy_requested_at = COALESCE(destroy_requested_at, ?), updated_at = ? WHERE id = ?`)
      .run(reason, at, at, id);
  }

  markDestroyed(id: string, reason: string, error?: RentalError | null): void {
    const at = this.stamp();
    this.db
      .prepare(
        `UPDATE vast_rentals SET state = 'destroyed', end_reason = ?, ended_at = ?, updated_at = ?,
           last_error_code = COALESCE(?, last_error_code), last_error = COALESCE(?, last_error)
         WHERE id = ?`,
      )
      .run(reason, at, at, error?.code ?? null, error?.message ?? null, id);
  }

  /** Nothing was rented (or nothing is left): the create was refused, never reached Vast, or no instance appeared. */
  markFailed(id: string, reason: string, error: RentalError | null): void {
    const at = this.stamp();
    this.db
      .prepare(
        `UPDATE vast_rentals SET state = 'failed', end_reason = ?, ended_at = ?, updated_at = ?,
           last_error_code = COALESCE(?, last_error_code), last_error = COALESCE(?, last_error)
         WHERE id = ?`,
      )
      .run(reason, at, at, error?.code ?? null, error?.message ?? null, id);
  }

  /** An instance found for a row that had none (it appeared after its rental was given up). */
  attachInstance(id: string, instanceId: number): void {
    this.db.prepare('UPDATE vast_rentals SET instance_id = ?, instance_seen_at = COALESCE(instance_seen_at, ?), updated_at = ? WHERE id = ? AND instance_id IS NULL').run(instanceId, this.stamp(), this.stamp(), id);
  }

  recordError(id: string, error: RentalError): void {
    this.db.prepare('UPDATE vast_rentals SET last_error_code = ?, last_error = ?, updated_at = ? WHERE id = ?').run(error.code, error.message, this.stamp(), id);
  }
}
