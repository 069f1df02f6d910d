// The agent's settings: one place reads them (config.ts), every one is in the README's table, bad values are
// refused with the variable's name, and worker threads get theirs from the validated config.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analysisSettingKeys, analysisSettingsOf, ConfigError, loadConfig, settingDocs, settingsTableMarkdown } from './config.js';

const agentSrc = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(agentSrc, '../..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

describe('agent settings', () => {
  it("the README's settings table is the one config.ts renders", () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const table = /<!-- settings-table:start -->\n([\s\S]*?)\n<!-- settings-table:end -->/.exec(readme)?.[1];
    expect(table, 'README.md has no <!-- settings-table:start/end --> block').toBeDefined();
    // On a difference, paste the expected side into README.md.
    expect(table).toBe(settingsTableMarkdown());
  });

  it('nothing in agent/src but config.ts reads a MEDIAFLEET_* variable, and every one named there is a setting', () => {
    const known = new Set(Object.values(settingDocs).map((d) => d.env));
    const readers: string[] = [];
    const unknown: string[] = [];
    for (const file of sourceFiles(agentSrc)) {
      if (file === path.join(agentSrc, 'config.ts')) continue;
      const text = fs.readFileSync(file, 'utf8');
      if (/(process\.env|\benv)(\.|\[['"])MEDIAFLEET_/.test(text)) readers.push(path.relative(agentSrc, file));
      for (const [name] of text.matchAll(/MEDIAFLEET_[A-Z0-9_]+/g)) if (!known.has(name)) unknown.push(`${path.relative(agentSrc, file)}: ${name}`);
    }
    expect(readers).toEqual([]);
    expect(unknown).toEqual([]);
  });

  it('refuses bad values naming the variable', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ MEDIAFLEET_GPU: 'maybe' }, /MEDIAFLEET_GPU.*auto or off/],
      [{ MEDIAFLEET_ONNX_THREADS: '0' }, /MEDIAFLEET_ONNX_THREADS/],
      [{ MEDIAFLEET_JOB_TIMEOUT_MS: String(2 ** 31) }, /MEDIAFLEET_JOB_TIMEOUT_MS/],
      [{ MEDIAFLEET_JOB_TIMEOUT_MS: '7200000', MEDIAFLEET_MAX_JOB_TIMEOUT_MS: '3600000' }, /MEDIAFLEET_JOB_TIMEOUT_MS.*MEDIAFLEET_MAX_JOB_TIMEOUT_MS/],
      [{ MEDIAFLEET_ADMIN_TOKEN: 'hunter2' }, /MEDIAFLEET_ADMIN_TOKEN.*mf_/],
      [{ MEDIAFLEET_POCKETSPHINX_RUNTIME: 'gpu' }, /MEDIAFLEET_POCKETSPHINX_RUNTIME/],
      [{ MEDIAFLEET_LOG_LEVEL: 'loud' }, /MEDIAFLEET_LOG_LEVEL/],
    ];
    for (const [env, message] of bad) {
      expect(() => loadConfig({}, env)).toThrow(ConfigError);
      expect(() => loadConfig({}, env)).toThrow(message);
    }
  });

  it('reads the values it documents, with the per-tenant queue share defaulting to half the queue', () => {
    const config = loadConfig({}, { MEDIAFLEET_MAX_QUEUE: '9', MEDIAFLEET_ONNX_THREADS: '2', MEDIAFLEET_GPU: 'off', MEDIAFLEET_WARMUP: 'none' });
    expect(config).toMatchObject({ maxQueueDepth: 9, maxQueuePerTenant: 5, onnxThreads: 2, gpu: 'off', warmUp: [] });
    expect(loadConfig({}, { MEDIAFLEET_MAX_QUEUE_PER_TENANT: '3' }).maxQueuePerTenant).toBe(3);
  });

  it('hands worker threads exactly the analysis settings', () => {
    const config = loadConfig({}, { MEDIAFLEET_FFMPEG: '/opt/ffmpeg', MEDIAFLEET_IMAGE_THREADS: '3' });
    const settings = analysisSettingsOf(config);
    expect(settings).toMatchObject({ ffmpeg: '/opt/ffmpeg', imageThreads: 3 });
    expect(Object.keys(settings).every((k) => (analysisSettingKeys as string[]).includes(k))).toBe(true);
    expect(settings).not.toHaveProperty('adminToken');
  });
});
