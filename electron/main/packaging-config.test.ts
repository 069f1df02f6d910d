// The packaging config is checked here because CI cannot download Electron to actually package.
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FuseV1Options } from '@electron/fuses';

const root = new URL('../..', import.meta.url);
const require = createRequire(import.meta.url);

describe('electron-builder.yml', async () => {
  const config = parse(await readFile(new URL('electron-builder.yml', root), 'utf8')) as {
    afterPack: string;
    linux: { target: string[] };
    mac: { target: string[] };
    win: { target: string[] };
    files: string[];
  };

  it('targets AppImage and deb on Linux, dmg on macOS, nsis on Windows', () => {
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.mac.target).toContain('dmg');
    expect(config.win.target).toContain('nsis');
  });

  it('ships the electron-vite output and the agent (for the built-in agent), not the tests', () => {
    expect(config.files).toEqual(expect.arrayContaining(['out/**', 'agent/**', '!**/*.test.ts']));
  });

  it('runs the fuses hook after packing, and the hook turns RunAsNode, NODE_OPTIONS and --inspect off', () => {
    expect(config.afterPack).toBe('resources/build/after-pack-fuses.cjs');
    const hook = require(new URL(config.afterPack, root).pathname) as {
      (context: unknown): Promise<void>;
      fuses: Record<number, boolean>;
    };
    expect(typeof hook).toBe('function');
    expect(hook.fuses[FuseV1Options.RunAsNode]).toBe(false);
    expect(hook.fuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(hook.fuses[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
  });
});
