// A vault backed by Electron's safeStorage (OS keychain / libsecret / DPAPI), written against a minimal
// injected interface so this module never imports `electron`. On Linux without a keyring, safeStorage falls
// back to 'basic_text' (a hard-coded key): secrets are then refused unless the user sets a passphrase, which
// adds our own scrypt + AES-GCM layer underneath.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConsoleError } from '../contracts/define.js';
import { open, seal, type ScryptParams, type SealedBlob } from './passphrase-crypto.js';
import type { SecretVault } from './secret-vault.js';

/** The part of Electron's `safeStorage` this vault needs. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?(): string;
}

export interface SafeStorageVaultOptions {
  safeStorage: SafeStorageLike;
  /** File holding the encrypted entries (base64 of safeStorage output). */
  path: string;
  passphrase?: string;
  scrypt?: ScryptParams;
}

export class SafeStorageVault implements SecretVault {
  private readonly entries: Map<string, string>;
  /**
   * Secrets already opened by this process. Opening costs a keychain call and, with a passphrase, one scrypt
   * (tens of milliseconds by design); the dispatcher reads an agent's token for every file it sends, so without
   * this each file would pay it. The file vault holds its opened entries in memory the same way.
   */
  private readonly opened = new Map<string, string>();

  constructor(private readonly options: SafeStorageVaultOptions) {
    this.entries = existsSync(options.path)
      ? new Map(Object.entries(JSON.parse(readFileSync(options.path, 'utf8')) as Record<string, string>))
      : new Map();
  }

  /** 'basic_text' means the OS offers no keyring and safeStorage's encryption is only obfuscation. */
  isBackendWeak(): boolean {
    return this.options.safeStorage.getSelectedStorageBackend?.() === 'basic_text';
  }

  async get(name: string): Promise<string | null> {
    const stored = this.entries.get(name);
    if (stored === undefined) return null;
    const known = this.opened.get(name);
    if (known !== undefined) return known;
    const value = this.openEntry(stored);
    this.opened.set(name, value);
    return value;
  }

  private openEntry(stored: string): string {
    this.assertAvailable();
    const inner = this.options.safeStorage.decryptString(Buffer.from(stored, 'base64'));
    if (inner.startsWith('p1:')) {
      if (!this.options.passphrase) {
        throw new ConsoleError('VAULT_PASSPHRASE_REQUIRED', 'This secret was saved with a passphrase; enter it to unlock.');
      }
      return open(this.options.passphrase, JSON.parse(inner.slice(3)) as SealedBlob).toString('utf8');
    }
    if (!inner.startsWith('s1:')) throw new ConsoleError('VAULT_CORRUPT', 'Unknown secret format.');
    return inner.slice(3);
  }

  async has(name: string): Promise<boolean> {
    return this.entries.has(name);
  }

  async set(name: string, value: string): Promise<void> {
    this.assertAvailable();
    if (this.isBackendWeak() && !this.options.passphrase) {
      throw new ConsoleError(
        'VAULT_INSECURE_BACKEND',
        'No OS keyring is available (safeStorage backend is basic_text). Set a vault passphrase to store secrets.',
      );
    }
    const inner = this.options.passphrase
      ? `p1:${JSON.stringify(seal(this.options.passphrase, Buffer.from(value, 'utf8'), this.options.scrypt))}`
      : `s1:${value}`;
    this.entries.set(name, this.options.safeStorage.encryptString(inner).toString('base64'));
    this.opened.set(name, value);
    this.persist();
  }

  async delete(name: string): Promise<boolean> {
    const existed = this.entries.delete(name);
    this.opened.delete(name);
    if (existed) this.persist();
    return existed;
  }

  private assertAvailable(): void {
    if (!this.options.safeStorage.isEncryptionAvailable()) {
      throw new ConsoleError('VAULT_UNAVAILABLE', 'OS encryption (safeStorage) is not available yet.');
    }
  }

  private persist(): void {
    mkdirSync(dirname(this.options.path), { recursive: true });
    const tmp = `${this.options.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.entries)), { mode: 0o600 });
    renameSync(tmp, this.options.path);
  }
}
