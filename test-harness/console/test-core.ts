// Tests' console core: the real core on a SQLite file and a passphrase vault in `dir` (scrypt kept cheap), so a
// test can read those files afterwards or reopen a core on them to play a restart.
import { join } from 'node:path';
import { createConsoleCore, type ConsoleCore, type ConsoleCoreOptions } from '../../electron/core/console-core.js';
import { FileVault } from '../../electron/core/secrets/file-vault.js';

export function openTestCore(dir: string, options: Omit<Partial<ConsoleCoreOptions>, 'storePath' | 'vault'> = {}): ConsoleCore {
  const vault = FileVault.open({ path: join(dir, 'vault.json'), passphrase: 'p', scrypt: { N: 2 ** 12, r: 8, p: 1 } });
  return createConsoleCore({ storePath: join(dir, 'console.db'), vault: { kind: 'instance', vault }, onInvalidEvent: 'throw', ...options });
}
