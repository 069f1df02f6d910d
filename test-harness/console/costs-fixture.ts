// Tests' money setup: a real console store (SQLite file) in a temporary folder, a passphrase vault, a manual
// clock, and the Costs service on them; servers, agents and requests are written through the console's own
// repositories, so attempts carry the timestamps the real runner would write. `StandInRentals` is a stand-in for
// the rentals table (the vast_rentals feature), implementing the ledger's GpuMeterSource.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../electron/core/audit/audit-log.js';
import type { BudgetAlert, WebhookPost } from '../../electron/core/costs/budget.js';
import { CostsService } from '../../electron/core/costs/costs-service.js';
import type { GpuMeterSource, MeteredGpuRental } from '../../electron/core/costs/gpu-meter-source.js';
import { AgentsRepository } from '../../electron/core/fleet/agents-repository.js';
import { ServersRepository } from '../../electron/core/fleet/servers-repository.js';
import { RequestRepository } from '../../electron/core/requests/request-repository.js';
import { FileVault } from '../../electron/core/secrets/file-vault.js';
import { openConsoleStore, type ConsoleDb } from '../../electron/core/store/console-store.js';

/** A clock the test moves, forwards or back. */
export class ManualClock {
  constructor(public ms: number) {}
  now = (): Date => new Date(this.ms);
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Stand-in for the rentals table: the rentals the test says exist, in the state it says. */
export class StandInRentals implements GpuMeterSource {
  readonly rentals = new Map<string, MeteredGpuRental>();
  list(): MeteredGpuRental[] {
    return [...this.rentals.values()].map((r) => ({ ...r }));
  }
  put(rental: MeteredGpuRental): void {
    this.rentals.set(rental.rentalId, rental);
  }
  update(rentalId: string, change: Partial<MeteredGpuRental>): void {
    this.rentals.set(rentalId, { ...this.rentals.get(rentalId)!, ...change });
  }
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface CostsFixture {
  dir: string;
  db: ConsoleDb;
  clock: ManualClock;
  audit: AuditLog;
  vault: FileVault;
  rentals: StandInRentals;
  costs: CostsService;
  alerts: BudgetAlert[];
  servers: ServersRepository;
  agents: AgentsRepository;
  requests: RequestRepository;
  /** A server row as the fleet writes it (no SSH needed to price one). */
  addServer(name: string): string;
  /** Another CostsService on the same file through its own connection (a second console process). */
  secondProcess(): { db: ConsoleDb; costs: CostsService };
  close(): void;
}

export function openCostsFixture(startIso: string, options: { postWebhook?: WebhookPost; minSpanMs?: { vps: number; gpu: number } } = {}): CostsFixture {
  const dir = mkdtempSync(join(tmpdir(), 'mf-costs-'));
  const path = join(dir, 'console.sqlite');
  const db = openConsoleStore(path);
  const clock = new ManualClock(Date.parse(startIso));
  const audit = new AuditLog(db, clock.now);
  const vault = FileVault.open({ path: join(dir, 'vault.json'), passphrase: 'p', scrypt: { N: 2 ** 12, r: 8, p: 1 } });
  const rentals = new StandInRentals();
  const alerts: BudgetAlert[] = [];
  const make = (on: ConsoleDb) =>
    new CostsService({ db: on, vault, audit: new AuditLog(on, clock.now), now: clock.now, gpuMeters: rentals, onAlert: (a) => alerts.push(a), postWebhook: options.postWebhook, minSpanMs: options.minSpanMs });
  const costs = make(db);
  const servers = new ServersRepository(db);
  const others: ConsoleDb[] = [];
  return {
    dir,
    db,
    clock,
    audit,
    vault,
    rentals,
    costs,
    alerts,
    servers,
    agents: new AgentsRepository(db, clock.now),
    requests: new RequestRepository(db, clock.now),
    addServer(name) {
      const id = randomUUID();
      servers.insert({ id, name, host: `${name}.example.test`, port: 22, user: 'root', authKind: 'key', hostKeyFingerprint: null, createdAt: clock.now().toISOString() });
      return id;
    },
    secondProcess() {
      const other = openConsoleStore(path);
      others.push(other);
      return { db: other, costs: make(other) };
    },
    close() {
      for (const other of others) other.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
