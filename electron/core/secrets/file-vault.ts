// A passphrase-encrypted vault file for the headless console and tests: the whole name→secret map is
// sealed as one blob (scrypt + AES-256-GCM) and replaced atomically on every change.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConsoleError } from '../contracts/define.js';
import {
  defaultScryptParams,
  deriveKey,
  openWithKey,
  sealWithKey,
  type ScryptParams,
  type SealedBlob,
} from './passphrase-crypto.js';
import type { SecretVault } from './secret-vault.js';

export interface FileVaultOptions {
  path: string;
  passphrase: string;
  scrypt?: ScryptParams;
}

export class FileVault implements SecretVault {
  private constructor(
    private readonly path: string,
    private readonly key: Buffer,
    private readonly salt: Buffer,
    private readonly params: ScryptParams,
    private entries: Map<string, string>,
  ) {}

  /** Opens the vault file, creating it when missing. A wrong passphrase throws VAULT_WRONG_PASSPHRASE. */
  static open(options: FileVaultOptions): FileVault {
    if (!options.passphrase) throw new ConsoleError('VAULT_PASSPHRASE_REQUIRED', 'A vault passphrase is required.');
    if (existsSync(options.path)) {
      let blob: SealedBlob;
      try {
        blob = JSON.parse(readFileSync(options.path, 'utf8')) as SealedBlob;
      } catch {
        throw new ConsoleError('VAULT_CORRUPT', `The vault file ${options.path} is not readable JSON.`);
      }
      if (blob?.v !== 1 || blob.kdf !== 'scrypt') throw new ConsoleError('VAULT_CORRUPT', 'Unknown vault format.');
      const salt = Buffer.from(blob.salt, 'base64');
      const params = { N: blob.N, r: blob.r, p: blob.p };
      const key = deriveKey(options.passphrase, salt, params);
      const map = JSON.parse(openWithKey(key, blob).toString('utf8')) as Record<string, string>;
      return new FileVault(options.path, key, salt, params, new Map(Object.entries(map)));
    }
    const params = options.scrypt ?? defaultScryptParams;
    const salt = randomBytes(16);
    const vault = new FileVault(options.path, deriveKey(options.passphrase, salt, params), salt, params, new Map());
    vault.persist();
    return vault;
  }

  async get(name: string): Promise<string | null> {
    return this.entries.get(name) ?? null;
  }

  async has(name: string): Promise<boolean> {
    return this.entries.has(name);
  }

  async set(name: string, value: string): Promise<void> {
    this.entries.set(name, value);
    this.persist();
  }

  async delete(name: string): Promise<boolean> {
    const existed = this.entries.delete(name);
    if (existed) this.persist();
    return existed;
  }

  private persist(): void {
    const plaintext = Buffer.from(JSON.stringify(Object.fromEntries(this.entries)), 'utf8');
    const blob = sealWithKey(this.key, this.salt, this.params, plaintext);
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(blob), { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
