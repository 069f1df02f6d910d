// The console's own settings (key → text), kept in its store: its id (made once by migration 8, carried in the
// label of every instance it rents), the GPU image reference. Secrets never go here; they go to the vault.
import { ConsoleError } from '../contracts/define.js';
import type { ConsoleDb } from './console-store.js';

export const consoleSettingKeys = {
  consoleId: 'console_id',
  vastGpuImage: 'vast.gpu_image',
  /** The Vast.ai account the saved key belongs to (its id, not a secret): a key of another account is refused while rentals are open. */
  vastAccountId: 'vast.account_id',
  /** The offer filters Fleet → GPUs → Add GPU starts from (JSON of OfferFilters), kept by the operator. */
  vastDefaultFilters: 'vast.default_filters',
} as const;

export class ConsoleSettings {
  constructor(
    private readonly db: ConsoleDb,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM console_settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  set(key: string, value: string): void {
    this.db
      .prepare('INSERT INTO console_settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
      .run(key, value, this.now().toISOString());
  }

  delete(key: string): boolean {
    return this.db.prepare('DELETE FROM console_settings WHERE key = ?').run(key).changes > 0;
  }

  /** This console's id (12 hex characters); two consoles never share one, so neither touches the other's rentals. */
  consoleId(): string {
    const id = this.get(consoleSettingKeys.consoleId);
    // Migration 8 writes it; a store without it was edited by hand, and guessing a new one would orphan rentals.
    if (!id) throw new ConsoleError('STORE_NO_CONSOLE_ID', 'The console store has no console id (it is made when the store is created); restore the store from a backup.');
    return id;
  }
}
