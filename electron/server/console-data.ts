// The console's data directory as the command line opens it: the store, the vault (its passphrase from
// MEDIAFLEET_VAULT_PASSPHRASE, else a 0600 key file kept there) and the built-in agent's folder. The headless
// console and the fleet commands open the same directory the same way, so they can run at once.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsoleCoreOptions } from '../core/console-core.js';

export const appRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export const defaultDataDir = (): string => process.env.MEDIAFLEET_DATA ?? join(homedir(), '.mediafleet');

/**
 * The vault passphrase comes from MEDIAFLEET_VAULT_PASSPHRASE; without it, a random one is kept in a 0600 file
 * in the data directory, which only protects secrets as well as that directory does (said once, when made).
 */
export function vaultPassphrase(dir: string): string {
  if (process.env.MEDIAFLEET_VAULT_PASSPHRASE) return process.env.MEDIAFLEET_VAULT_PASSPHRASE;
  const file = join(dir, 'vault.key');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
    process.stderr.write(`console: vault key kept in ${file}; set MEDIAFLEET_VAULT_PASSPHRASE to keep it elsewhere\n`);
  }
  return readFileSync(file, 'utf8').trim();
}

/** Core options for a data directory; the caller adds what its command needs. */
export function dataDirCoreOptions(dataDir: string): Pick<ConsoleCoreOptions, 'storePath' | 'vault'> & { localAgentDir: string } {
  const dir = resolve(dataDir);
  return {
    storePath: join(dir, 'console.sqlite'),
    vault: { kind: 'file', path: join(dir, 'vault.bin'), passphrase: vaultPassphrase(dir) },
    localAgentDir: join(dir, 'local-agent'),
  };
}
