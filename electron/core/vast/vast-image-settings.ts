// The GPU image a rental has Vast pull (a console setting, not a secret) and the login to its registry (in the
// vault, as Vast's image_login "-u USER -p PASSWORD REGISTRY"). Only whether a login is saved is ever answered.
import type { AuditLog } from '../audit/audit-log.js';
import type { PublishedGpuImage } from '../contracts/gpu-image.js';
import { OfferFilters, VastImageLogin, type VastSettingsView } from '../contracts/vast.js';
import type { ParsedOfferFilters } from './vast-offer-query.js';
import { secretNames, type SecretVault } from '../secrets/secret-vault.js';
import { consoleSettingKeys, type ConsoleSettings } from '../store/console-settings.js';

/** Vast's image_login for `docker login` on its machine; the contract refused spaces in each part. */
export function imageLoginArgument(login: VastImageLogin): string {
  return `-u ${login.username.trim()} -p ${login.password} ${login.registry.trim()}`;
}

export class VastImageSettings {
  constructor(
    private readonly deps: { settings: ConsoleSettings; vault: SecretVault; audit: AuditLog },
  ) {}

  async get(): Promise<VastSettingsView> {
    return {
      gpuImage: this.deps.settings.get(consoleSettingKeys.vastGpuImage),
      imageLogin: { configured: await this.deps.vault.has(secretNames.vastImageLogin()) },
      defaultFilters: this.defaultFilters(),
    };
  }

  /** Kept as JSON; one that no longer parses (a hand-edited store, an older shape) counts as none. */
  private defaultFilters(): ParsedOfferFilters | null {
    const raw = this.deps.settings.get(consoleSettingKeys.vastDefaultFilters);
    if (!raw) return null;
    try {
      const parsed = OfferFilters.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /** A value replaces, null removes, undefined leaves it; rentals already made keep what they were made with. Offer filters are checked by the contract (OfferFilters). */
  async set(input: { gpuImage?: string | null; imageLogin?: VastImageLogin | null; defaultFilters?: OfferFilters | null }): Promise<VastSettingsView> {
    const changed: Record<string, unknown> = {};
    if (input.defaultFilters !== undefined) {
      if (input.defaultFilters === null) this.deps.settings.delete(consoleSettingKeys.vastDefaultFilters);
      else this.deps.settings.set(consoleSettingKeys.vastDefaultFilters, JSON.stringify(input.defaultFilters));
      changed.defaultFilters = input.defaultFilters;
    }
    if (input.gpuImage !== undefined) {
      if (input.gpuImage === null) this.deps.settings.delete(consoleSettingKeys.vastGpuImage);
      else this.deps.settings.set(consoleSettingKeys.vastGpuImage, input.gpuImage);
      changed.gpuImage = input.gpuImage;
    }
    if (input.imageLogin !== undefined) {
      if (input.imageLogin === null) await this.deps.vault.delete(secretNames.vastImageLogin());
      else await this.deps.vault.set(secretNames.vastImageLogin(), imageLoginArgument(input.imageLogin));
      // The registry and user name say which login it is; the password stays in the vault.
      changed.imageLogin = input.imageLogin === null ? 'removed' : { registry: input.imageLogin.registry, username: input.imageLogin.username };
    }
    if (Object.keys(changed).length > 0) this.deps.audit.record('vast.settings-saved', null, changed);
    return this.get();
  }

  /**
   * The image this console just published, for the rentals from now on: `image:tag@digest`, so Vast pulls exactly
   * what the registry confirmed, and the login it was pushed with (none: the saved login is removed, since an
   * image pushed anonymously needs none). A login Vast could not pass on its command line (a space in it) is not
   * saved; the answer says what to do. Answers a line for the publish operation's log.
   */
  async useForRentals(published: PublishedGpuImage, login: { serveraddress: string; username: string; password: string } | null): Promise<string> {
    const image = `${published.image}@${published.digest}`;
    if (!login) {
      await this.set({ gpuImage: image, imageLogin: null });
      return `rentals now use ${image} (no registry login)`;
    }
    const parsed = VastImageLogin.safeParse({ registry: login.serveraddress.replace(/^https?:\/\//, '').replace(/\/+$/, ''), username: login.username, password: login.password });
    if (!parsed.success) {
      await this.set({ gpuImage: image });
      return `rentals now use ${image}; its registry login was not saved for Vast (${parsed.error.issues[0]?.message ?? 'invalid'}): save one in Settings → GPUs`;
    }
    await this.set({ gpuImage: image, imageLogin: parsed.data });
    return `rentals now use ${image}, pulled with the login of ${parsed.data.username} at ${parsed.data.registry}`;
  }
}
