import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateLoginKeyPair } from './login-key.js';

describe('the console login key', () => {
  it('is always readable: 2,000 generated pairs parse (ssh2 alone fails about 1 in 256, so ~8 here)', () => {
    let unreadable = 0;
    for (let i = 0; i < 2000; i++) {
      const keys = generateLoginKeyPair('mediafleet-console@test');
      if (ssh2.utils.parseKey(keys.private) instanceof Error || ssh2.utils.parseKey(keys.public) instanceof Error) unreadable++;
    }
    expect(unreadable).toBe(0);
  });

  it('is a key OpenSSH itself loads, with the comment and the same public half', () => {
    const keys = generateLoginKeyPair('mediafleet-console@srv-1');
    const dir = mkdtempSync(join(tmpdir(), 'mf-login-key-'));
    try {
      writeFileSync(join(dir, 'id'), keys.private, { mode: 0o600 });
      const derived = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'id')]).toString().trim();
      expect(keys.public.trim().startsWith(derived)).toBe(true);
      expect(keys.public.trim()).toMatch(/^ssh-ed25519 \S+ mediafleet-console@srv-1$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
