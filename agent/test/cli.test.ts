// The CLI as a user runs it (`tsx agent/src/cli.ts …` in a child process): exit codes 0/1/2, stdout holding
// only the JSON or the token, bad files reported in place with their stable codes, real models on real images.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/database.js';
import { TokensRepository } from '../src/store/tokens-repository.js';
import { AuditRepository } from '../src/store/audit-repository.js';
import { badFileCodes } from './bad-file-codes.js';
import { missingAnalyses } from '../../test-harness/agent/installed-analyses.js';
import { fixturesDir } from '../../test-harness/shared-folder.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const fixtures = fixturesDir;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediafleet-cli-test-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
const missing = await missingAnalyses(['nsfw', 'faces']);

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const out = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, MEDIAFLEET_DATA: dataDir },
    timeout: 300_000,
  });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('CLI', () => {
  it('exits 2 on usage errors, with the message on stderr and nothing on stdout', () => {
    for (const args of [
      ['analyze'],
      ['analyze', 'x.png', '--analyses', 'nsfw,telepathy'],
      ['analyze', 'x.png', '--no-such-flag'],
      ['frobnicate'],
      ['token', 'create', '--tenant', 'acme'],
      ['token', 'create', '--scope', 'root', '--tenant', 'acme'],
      ['serve', '--port', 'eighty'],
    ]) {
      const out = run(...args);
      expect({ args, status: out.status, stdout: out.stdout }).toEqual({ args, status: 2, stdout: '' });
      expect(out.stderr).toMatch(/error/i);
    }
  });

  it('token create prints the token alone on stdout, stored hashed and usable', () => {
    const out = run('token', 'create', '--scope', 'submit', '--tenant', 'acme', '--data', dataDir);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^mf_[a-z0-9]{12}_[A-Za-z0-9_-]{43}\n$/);
    const token = out.stdout.trim();
    const { db } = openDatabase(path.join(dataDir, 'agent.sqlite'));
    try {
      const record = new TokensRepository(db).verify(token);
      expect(record).toMatchObject({ scope: 'submit', tenant: 'acme' });
      const raw = db.prepare('SELECT secret_sha256 FROM tokens').all() as Array<{ secret_sha256: Buffer }>;
      expect(raw.some((r) => r.secret_sha256.toString('utf8').includes(token.split('_')[2]))).toBe(false);
    } finally {
      db.close();
    }
  });

  it("only the operator's CLI makes an all-tenants token, and the audit log names the operator for it and for a revoke", () => {
    const out = run('token', 'create', '--scope', 'all-tenants', '--tenant', 'console', '--label', 'console', '--data', dataDir);
    expect(out.status).toBe(0);
    const token = out.stdout.trim();
    const id = token.split('_')[1];
    expect(run('token', 'revoke', id, '--data', dataDir).status).toBe(0);
    expect(run('token', 'revoke', id, '--data', dataDir).status).toBe(1);
    const { db } = openDatabase(path.join(dataDir, 'agent.sqlite'));
    try {
      expect(new TokensRepository(db).get(id)).toMatchObject({ scope: 'all-tenants', tenant: 'console' });
      const audit = new AuditRepository(db).list({ limit: 10 }).filter((e) => e.target === id);
      expect(audit.map((e) => [e.action, e.actor.startsWith('operator:cli:'), e.tenant])).toEqual([
        ['token.revoked', true, 'console'],
        ['token.created', true, 'console'],
      ]);
    } finally {
      db.close();
    }
  });

  it('reports every bad file in place with its stable code, exit 1, stdout pure JSON', () => {
    const names = Object.keys(badFileCodes);
    const files = [...names.map((n) => path.join(fixtures, 'bad', n)), '/no/such/file.png'];
    const out = run('analyze', ...files, '--analyses', 'nsfw');
    expect(out.status).toBe(1);
    const printed = JSON.parse(out.stdout) as Array<{ file: string; error: { code: string; message: string } }>;
    expect(printed.map((p) => p.file)).toEqual(files);
    names.forEach((name, i) => {
      expect(badFileCodes[name]).toContain(printed[i].error.code);
      expect(printed[i].error.message.length).toBeGreaterThan(5);
    });
    expect(printed.at(-1)!.error.code).toBe('FILE_NOT_FOUND');
  });

  it.skipIf(missing.length > 0)(`analyses real images in input order with exit 0; one bad file among good ones gives exit 1${missing.length ? ` (skipped: models not installed: ${missing.join(', ')})` : ''}`, () => {
    const good = [path.join(fixtures, 'images/coffee.png'), path.join(fixtures, 'images/astronaut.png')];
    const ok = run('analyze', ...good, '--analyses', 'nsfw,faces');
    expect(ok.stderr).not.toMatch(/"level":5\d/);
    expect(ok.status).toBe(0);
    const docs = JSON.parse(ok.stdout) as Array<{ file: string; media: { width: number }; nsfw: { verdict: string }; faces: Array<{ embedding?: number[] }> }>;
    expect(docs.map((d) => d.file)).toEqual(good);
    expect(docs.map((d) => d.nsfw.verdict)).toEqual(['safe', 'safe']);
    expect(docs[1].faces.length).toBeGreaterThanOrEqual(1);
    expect(docs[1].faces[0].embedding).toBeUndefined(); // vectors only with --include-embeddings

    const mixed = run('analyze', good[0], path.join(fixtures, 'bad/empty.jpg'), '--analyses', 'nsfw');
    expect(mixed.status).toBe(1);
    const printed = JSON.parse(mixed.stdout) as Array<{ nsfw?: unknown; error?: { code: string } }>;
    expect(printed[0].nsfw).toBeDefined();
    expect(printed[1].error?.code).toBe('EMPTY_FILE');
  }, 600_000);
});
