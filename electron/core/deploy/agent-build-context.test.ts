import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentPackageDirs, prepareAgentBuildContext } from './agent-build-context.js';
import { demuxDockerLog } from './agent-deployer.js';

const repoRoot = resolve(import.meta.dirname, '../../..');

describe('agent build context', () => {
  const out = mkdtempSync(join(tmpdir(), 'mf-ctx-test-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('takes the agent runtime packages and leaves console-only and CUDA builds out of the CPU image', () => {
    const dirs = agentPackageDirs(repoRoot, 'cpu');
    expect(dirs).toEqual(expect.arrayContaining(['node_modules/better-sqlite3', 'node_modules/fastify', 'node_modules/tsx', 'node_modules/sharp']));
    for (const consoleOnly of ['ssh2', 'dockerode', 'node-pty', 'electron', 'react', 'vitest']) {
      expect(dirs).not.toContain(`node_modules/${consoleOnly}`);
    }
    expect(dirs.some((d) => /-cuda$/.test(d))).toBe(false);
  });

  it('writes a context with the rendered Dockerfile, the agent sources and no tests or secrets', () => {
    const ctx = prepareAgentBuildContext({
      repoRoot,
      outDir: join(out, 'ctx'),
      flavor: 'cpu',
      values: { domain: 'a.example.org', agentVersion: '2.0.0', agentImage: 'mediafleet/agent:2.0.0' },
    });
    expect(ctx.dockerfile).toMatch(/^FROM node:20-bookworm-slim$/m);
    expect(ctx.dockerfile).toContain('MEDIAFLEET_AGENT_VERSION=2.0.0');
    expect(existsSync(join(ctx.dir, 'app/agent/src/cli.ts'))).toBe(true);
    expect(existsSync(join(ctx.dir, 'app/healthcheck.mjs'))).toBe(true);
    expect(existsSync(join(ctx.dir, 'data'))).toBe(true);
    expect(existsSync(join(ctx.dir, 'app/node_modules/onnxruntime-node/bin/napi-v6/darwin'))).toBe(false);
    expect(JSON.parse(readFileSync(join(ctx.dir, 'app/package.json'), 'utf8'))).toEqual({ name: 'mediafleet-agent', version: '2.0.0', private: true, type: 'module' });
    expect(readFileSync(join(ctx.dir, '.dockerignore'), 'utf8')).toContain('Dockerfile');
    // Lean: well under the full node_modules (about 1.8 GB with dev and console packages).
    expect(ctx.bytes).toBeLessThan(1_000_000_000);
  }, 60_000);
});

describe('demuxDockerLog', () => {
  it('joins stdout and stderr frames of a non-TTY container log', () => {
    const frame = (stream: number, text: string) => {
      const body = Buffer.from(text);
      const head = Buffer.alloc(8);
      head[0] = stream;
      head.writeUInt32BE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    expect(demuxDockerLog(Buffer.concat([frame(1, 'listening\n'), frame(2, 'warn\n')]))).toBe('listening\nwarn\n');
    expect(demuxDockerLog(Buffer.from('plain tty output'))).toBe('plain tty output');
  });
});
