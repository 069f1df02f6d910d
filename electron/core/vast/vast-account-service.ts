// Settings → GPUs' Vast.ai key and account. A pasted key is checked against Vast's /users/current/ before the vault
// keeps it, so a wrong key is refused (VAST_AUTH_FAILED) and the key that worked stays. While rentals are open, a key
// of another Vast.ai account is refused too: with it the console would see none of its instances, and the reconcile
// would take instances that still bill on the old account for gone.
import type { AuditLog } from '../audit/audit-log.js';
import { ConsoleError } from '../contracts/define.js';
import type { VastAccountView } from '../contracts/vast.js';
import { secretNames, type SecretVault } from '../secrets/secret-vault.js';
import { consoleSettingKeys, type ConsoleSettings } from '../store/console-settings.js';
import { VastClient, type VastClientOptions } from './vast-client.js';
import { VastError } from './vast-errors.js';
import type { VastAccount } from './vast-schemas.js';

export interface VastAccountServiceDeps {
  vault: SecretVault;
  settings: ConsoleSettings;
  audit: AuditLog;
  /** The client for the key in the vault (RentalService.client(): the one renting uses, so call spacing is shared). */
  storedKeyClient: () => Promise<VastClient>;
  /** A client for a key being checked (default: console.vast.ai with these options). */
  clientFor?: (apiKey: string) => VastClient;
  clientOptions?: Partial<VastClientOptions>;
  /** Rentals whose instance may exist or be about to (RentalsRepository.listOpen). */
  openRentals: () => Array<{ id: string }>;
}

const keyName = secretNames.cloudApiKey('vast');

export class VastAccountService {
  constructor(private readonly deps: VastAccountServiceDeps) {}

  private clientFor(apiKey: string): VastClient {
    return this.deps.clientFor?.(apiKey) ?? new VastClient({ ...this.deps.clientOptions, apiKey });
  }

  /** Checks the key with Vast, then saves it; answers the account it belongs to. Nothing is saved when Vast refuses it. */
  async saveKey(apiKey: string): Promise<{ email: string | null; creditUsd: number }> {
    const key = apiKey.trim();
    const account = await this.clientFor(key).getAccount();
    const previousKey = (await this.deps.vault.get(keyName))?.trim() || null;
    if (previousKey !== key) await this.refuseOtherAccountWhileRenting(account);
    await this.deps.vault.set(keyName, key);
    if (account.id !== null) this.deps.settings.set(consoleSettingKeys.vastAccountId, String(account.id));
    else this.deps.settings.delete(consoleSettingKeys.vastAccountId);
    this.deps.audit.record('vast.key-saved', null, { accountId: account.id, replaced: previousKey !== null && previousKey !== key });
    return { email: account.email, creditUsd: account.credit };
  }

  private async refuseOtherAccountWhileRenting(account: VastAccount): Promise<void> {
    const open = this.deps.openRentals();
    if (open.length === 0 || account.id === null) return;
    const previous = await this.previousAccountId();
    // Unknown (no key before, or the old key is refused now): the console could not reach those instances with the
    // old key either, so the new one is the better chance and the reconcile says what it finds.
    if (previous === null || previous === account.id) return;
    throw new VastError(
      'VAST_KEY_OTHER_ACCOUNT',
      `This key belongs to another Vast.ai account (${account.email ?? `id ${account.id}`}) than the one ${open.length === 1 ? 'a rental is' : `${open.length} rentals are`} open on. ` +
        'With it the console could not see or destroy those instances: destroy them in Fleet → GPUs first, or paste a key of the same account.',
    );
  }

  private async previousAccountId(): Promise<number | null> {
    const stored = this.deps.settings.get(consoleSettingKeys.vastAccountId);
    if (stored && /^\d+$/.test(stored)) return Number(stored);
    // A key saved before the account id was kept (or put in the vault by hand): ask Vast whose it is.
    if (!(await this.deps.vault.has(keyName))) return null;
    try {
      return (await (await this.deps.storedKeyClient()).getAccount()).id;
    } catch (err) {
      if (err instanceof ConsoleError) return null;
      throw err;
    }
  }

  /** Whether a key is saved and, when asked to check, what Vast says of its account. */
  async account(input: { checkWithVast: boolean }): Promise<VastAccountView> {
    if (!(await this.deps.vault.get(keyName))?.trim()) return { configured: false, email: null, creditUsd: null, error: null };
    if (!input.checkWithVast) return { configured: true, email: null, creditUsd: null, error: null };
    try {
      const account = await (await this.deps.storedKeyClient()).getAccount();
      return { configured: true, email: account.email, creditUsd: account.credit, error: null };
    } catch (err) {
      // The key is saved but Vast refuses it or cannot be reached: Settings says so instead of failing the page.
      if (err instanceof ConsoleError) return { configured: true, email: null, creditUsd: null, error: { code: err.code, message: err.message } };
      throw err;
    }
  }
}
