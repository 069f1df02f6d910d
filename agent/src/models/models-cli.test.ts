// The models subcommands through commander, against a temporary cache and the repository's manifests.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ModelManager } from './model-manager.js';
import { defaultManifestsDir } from './model-manifest.js';
import { registerModelCommands } from './models-cli.js';
import { sharedModelsDir } from '../../../test-harness/shared-folder.js';

let cacheDir: string;
let out: string;

beforeEach(async () => {
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'mf-models-cli-'));
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  process.exitCode = undefined;
});

afterEach(async () => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await rm(cacheDir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<unknown> {
  const program = new Command('agent').exitOverride();
  const manager = new ModelManager({ manifestsDir: defaultManifestsDir({}), cacheDir, mirror: sharedModelsDir });
  registerModelCommands(program, () => manager);
  out = '';
  await program.parseAsync(['node', 'agent', ...args]);
  return out ? JSON.parse(out) : undefined;
}

describe('models CLI', () => {
  it('lists, pulls from the mirror, verifies and removes', async () => {
    const listed = (await run('models', 'list')) as { id: string; installed: boolean }[];
    expect(listed.find((m) => m.id === 'silero-vad')?.installed).toBe(false);

    const pulled = (await run('models', 'pull', 'silero-vad')) as { installed: boolean };
    expect(pulled.installed).toBe(true);

    const verified = (await run('models', 'verify', 'silero-vad')) as { ok: boolean }[];
    expect(verified[0].ok).toBe(true);
    expect(process.exitCode ?? 0).toBe(0);

    expect(await run('models', 'remove', 'silero-vad')).toEqual({ id: 'silero-vad', removed: true });
    const after = (await run('models', 'list')) as { id: string; installed: boolean }[];
    expect(after.find((m) => m.id === 'silero-vad')?.installed).toBe(false);
  });

  it('an unknown model id fails with exit code 1', async () => {
    await run('models', 'pull', 'no-such-model');
    expect(process.exitCode).toBe(1);
  });
});
