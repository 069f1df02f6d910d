import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileVault } from './file-vault.js';
import { SafeStorageVault, type SafeStorageLike } from './safe-storage-vault.js';

const cheap = { N: 2 ** 12, r: 8, p: 1 };
const dirs: string[] = [];
function tempDir() {
  const d = mkdtempSync(join(tmpdir(), 'mf-vault-'));
  dirs.push(d);
  return d;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('FileVault', () => {
  it('round-trips secrets through a reopened file and keeps them out of the file in clear', async () => {
    const path = join(tempDir(), 'vault.json');
    const vault = FileVault.open({ path, passphrase: 'correct horse', scrypt: cheap });
    await vault.set('ssh:private-key:a', 'SECRET-KEY-MATERIAL-123');
    expect(readFileSync(path, 'utf8')).not.toContain('SECRET-KEY-MATERIAL-123');
    const reopened = FileVault.open({ path, passphrase: 'correct horse' });
    expect(await reopened.get('ssh:private-key:a')).toBe('SECRET-KEY-MATERIAL-123');
    expect(await reopened.has('missing')).toBe(false);
    expect(await reopened.delete('ssh:private-key:a')).toBe(true);
    expect(await FileVault.open({ path, passphrase: 'correct horse' }).get('ssh:private-key:a')).toBeNull();
  });

  it('refuses a wrong passphrase with VAULT_WRONG_PASSPHRASE', async () => {
    const path = join(tempDir(), 'vault.json');
    await FileVault.open({ path, passphrase: 'right', scrypt: cheap }).set('x', 'y');
    expect(() => FileVault.open({ path, passphrase: 'wrong' })).toThrow(expect.objectContaining({ code: 'VAULT_WRONG_PASSPHRASE' }));
  });

  it('detects a tampered file', async () => {
    const path = join(tempDir(), 'vault.json');
    await FileVault.open({ path, passphrase: 'pw', scrypt: cheap }).set('x', 'y');
    const blob = JSON.parse(readFileSync(path, 'utf8'));
    const ct = Buffer.from(blob.ciphertext, 'base64');
    ct[0] ^= 1;
    blob.ciphertext = ct.toString('base64');
    writeFileSync(path, JSON.stringify(blob));
    expect(() => FileVault.open({ path, passphrase: 'pw' })).toThrow(expect.objectContaining({ code: 'VAULT_WRONG_PASSPHRASE' }));
  });

  it('uses a fresh salt per vault and a fresh nonce per save', async () => {
    const d = tempDir();
    const a = FileVault.open({ path: join(d, 'a.json'), passphrase: 'pw', scrypt: cheap });
    FileVault.open({ path: join(d, 'b.json'), passphrase: 'pw', scrypt: cheap });
    const fa = JSON.parse(readFileSync(join(d, 'a.json'), 'utf8'));
    const fb = JSON.parse(readFileSync(join(d, 'b.json'), 'utf8'));
    expect(fa.salt).not.toBe(fb.salt);
    await a.set('k', 'v');
    const fa2 = JSON.parse(readFileSync(join(d, 'a.json'), 'utf8'));
    expect(fa2.nonce).not.toBe(fa.nonce);
  });
});

/**
 * Stand-in for Electron's safeStorage (the Electron binary cannot be installed here): it really encrypts
 * with AES, and reports the backend the test chooses.
 */
function fakeSafeStorage(backend: string, available = true): SafeStorageLike {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString(text) {
      const iv = randomBytes(16);
      const c = createCipheriv('aes-256-cbc', key, iv);
      return Buffer.concat([iv, c.update(text, 'utf8'), c.final()]);
    },
    decryptString(buf) {
      const d = createDecipheriv('aes-256-cbc', key, buf.subarray(0, 16));
      return Buffer.concat([d.update(buf.subarray(16)), d.final()]).toString('utf8');
    },
  };
}

describe('SafeStorageVault', () => {
  it('stores through the OS keyring backend', async () => {
    const path = join(tempDir(), 'ss.json');
    const safeStorage = fakeSafeStorage('gnome_libsecret');
    const vault = new SafeStorageVault({ safeStorage, path });
    await vault.set('agent:admin-token:1', 'tok-abc-SECRET');
    expect(readFileSync(path, 'utf8')).not.toContain('tok-abc-SECRET');
    expect(await new SafeStorageVault({ safeStorage, path }).get('agent:admin-token:1')).toBe('tok-abc-SECRET');
  });

  it('refuses to save when the backend is basic_text and no passphrase is set', async () => {
    const vault = new SafeStorageVault({ safeStorage: fakeSafeStorage('basic_text'), path: join(tempDir(), 's.json') });
    await expect(vault.set('k', 'v')).rejects.toMatchObject({ code: 'VAULT_INSECURE_BACKEND' });
    expect(await vault.has('k')).toBe(false);
  });

  it('accepts basic_text with a passphrase and needs that passphrase to read', async () => {
    const path = join(tempDir(), 's.json');
    const safeStorage = fakeSafeStorage('basic_text');
    await new SafeStorageVault({ safeStorage, path, passphrase: 'pw', scrypt: cheap }).set('k', 'value-1');
    expect(await new SafeStorageVault({ safeStorage, path, passphrase: 'pw' }).get('k')).toBe('value-1');
    await expect(new SafeStorageVault({ safeStorage, path, passphrase: 'nope' }).get('k')).rejects.toMatchObject({
      code: 'VAULT_WRONG_PASSPHRASE',
    });
    await expect(new SafeStorageVault({ safeStorage, path }).get('k')).rejects.toMatchObject({
      code: 'VAULT_PASSPHRASE_REQUIRED',
    });
  });

  it('opens a secret once per process (one keychain call, one scrypt), and a set or delete is what the next read sees', async () => {
    const path = join(tempDir(), 's.json');
    const safeStorage = fakeSafeStorage('basic_text');
    let decrypts = 0;
    const counting: SafeStorageLike = { ...safeStorage, decryptString: (buf) => (decrypts++, safeStorage.decryptString(buf)) };
    await new SafeStorageVault({ safeStorage, path, passphrase: 'pw', scrypt: cheap }).set('token', 'first');
    const vault = new SafeStorageVault({ safeStorage: counting, path, passphrase: 'pw', scrypt: cheap });
    for (let i = 0; i < 5; i++) expect(await vault.get('token')).toBe('first');
    expect(decrypts).toBe(1);
    await vault.set('token', 'second');
    expect(await vault.get('token')).toBe('second');
    expect(await new SafeStorageVault({ safeStorage, path, passphrase: 'pw' }).get('token')).toBe('second');
    expect(await vault.delete('token')).toBe(true);
    expect(await vault.get('token')).toBeNull();
    // A wrong passphrase is not remembered as a value: every read refuses.
    await vault.set('other', 'v');
    const wrong = new SafeStorageVault({ safeStorage, path, passphrase: 'nope' });
    await expect(wrong.get('other')).rejects.toMatchObject({ code: 'VAULT_WRONG_PASSPHRASE' });
    await expect(wrong.get('other')).rejects.toMatchObject({ code: 'VAULT_WRONG_PASSPHRASE' });
    await expect(wrong.get('other')).rejects.toMatchObject({ code: 'VAULT_WRONG_PASSPHRASE' });
  });

  it('reports an unavailable keyring clearly', async () => {
    const vault = new SafeStorageVault({ safeStorage: fakeSafeStorage('kwallet', false), path: join(tempDir(), 's.json') });
    await expect(vault.set('k', 'v')).rejects.toMatchObject({ code: 'VAULT_UNAVAILABLE' });
  });
});
