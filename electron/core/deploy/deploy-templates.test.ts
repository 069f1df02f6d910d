// Render checks of the deploy templates, run in `npm test` with the strongest offline tool for each: a YAML
// parser, systemd's own unit verifier, `sh -n`, and a Dockerfile instruction check. The compose stack, the
// systemd units, the renewal timer and the Vast on-start script (in the CPU image) also run for real on a
// booted Debian 12 VPS in the fleet suite (fresh-debian-vps.fleet.test.ts). Dockerfile.gpu (no GPU, no CUDA
// base image) is checked here only.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderDeployBundle, type DeployValuesInput } from './deploy-bundle.js';

const base: DeployValuesInput = { domain: 'agent1.example.org', agentVersion: '2.3.4', agentImage: 'registry.example.org/mediafleet/agent:2.3.4' };
const rendered = (values: DeployValuesInput = base) => Object.fromEntries(renderDeployBundle(values).map((f) => [f.path, f.content]));

const instructions = new Set(['FROM', 'RUN', 'CMD', 'LABEL', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL']);

/** Logical Dockerfile lines (continuations joined), without comments and blank lines. */
function dockerfileInstructions(text: string): { keyword: string; rest: string }[] {
  const out: { keyword: string; rest: string }[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    if (!pending && (/^\s*#/.test(raw) || !raw.trim())) continue;
    pending += raw.replace(/\\$/, ' ');
    if (raw.endsWith('\\')) continue;
    const m = /^\s*(\S+)\s+([\s\S]*)$/.exec(pending);
    out.push({ keyword: m?.[1] ?? pending, rest: m?.[2]?.trim() ?? '' });
    pending = '';
  }
  return out;
}

describe('Dockerfile templates (rendered, not built: no CUDA base image or GPU on the build machines)', () => {
  for (const name of ['Dockerfile.cpu', 'Dockerfile.gpu']) {
    it(`${name}: every line is a Dockerfile instruction and exec forms are valid JSON arrays`, () => {
      const lines = dockerfileInstructions(rendered()[name]!);
      expect(lines.length).toBeGreaterThan(5);
      for (const { keyword, rest } of lines) {
        expect(instructions.has(keyword.toUpperCase()), `${name}: "${keyword} ${rest.slice(0, 40)}"`).toBe(true);
        if (['CMD', 'ENTRYPOINT', 'VOLUME'].includes(keyword) && rest.startsWith('[')) {
          expect(() => JSON.parse(rest), `${name}: ${keyword} ${rest}`).not.toThrow();
        }
      }
      const kw = lines.map((l) => l.keyword);
      expect(kw[0]).toBe('FROM');
      expect(kw).toContain('ENTRYPOINT');
      expect(lines.find((l) => l.keyword === 'USER')?.rest).toBe('1000:1000');
    });
  }

  it('Dockerfile.gpu starts from the CUDA base and takes node from the Node image', () => {
    const froms = dockerfileInstructions(rendered({ ...base, cudaBaseImage: 'nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04' })['Dockerfile.gpu']!)
      .filter((l) => l.keyword === 'FROM')
      .map((l) => l.rest);
    expect(froms).toEqual(['node:20-bookworm-slim AS node', 'nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04']);
    expect(rendered()['Dockerfile.gpu']).toContain('MEDIAFLEET_AGENT_VERSION=2.3.4');
  });
});

describe('compose stack (parsed here; run with Compose v1 in fresh-debian-vps.fleet.test.ts)', () => {
  it('is valid YAML with the agent, nginx and certbot on host networking, secrets only from agent.env', () => {
    const doc = parseYaml(rendered({ ...base, agentPort: 8181 })['compose.yaml']!) as {
      services: Record<string, { image: string; network_mode?: string; env_file?: string[]; environment?: Record<string, string> }>;
      volumes?: Record<string, unknown>;
    };
    expect(Object.keys(doc.services).sort()).toEqual(['agent', 'certbot', 'nginx']);
    expect(doc.services.agent!.image).toBe(base.agentImage);
    expect(doc.services.agent!.env_file).toEqual(['./agent.env']);
    expect(doc.services.agent!.environment).toMatchObject({ MEDIAFLEET_HOST: '127.0.0.1', MEDIAFLEET_PORT: '8181' });
    for (const s of Object.values(doc.services)) expect(s.network_mode).toBe('host');
    expect(Object.keys(doc.volumes ?? {})).toEqual(expect.arrayContaining(['agent-data']));
    // Compose v1 (docker-compose 1.29, in Debian 12 and Ubuntu 22.04) refuses a top-level `name`.
    expect(Object.keys(doc)).not.toContain('name');
  });

  it('in cluster mode adds Redis bound to loopback and points the agent at it', () => {
    const doc = parseYaml(rendered({ ...base, cluster: true, redisPort: 6380 })['compose.yaml']!) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string>; depends_on?: string[] }>;
    };
    expect(doc.services.redis!.command).toEqual(expect.arrayContaining(['--bind', '127.0.0.1', '--port', '6380']));
    expect(doc.services.agent!.environment!.REDIS_URL).toBe('redis://127.0.0.1:6380');
    expect(doc.services.agent!.depends_on).toEqual(['redis']);
  });
});

const systemdAnalyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

describe('systemd units (verified by systemd-analyze here; started on the booted VPS in the fleet suite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-units-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!systemdAnalyze)('the agent unit and the renewal service/timer pass systemd-analyze verify without a warning (skipped: systemd-analyze missing)', () => {
    // Values that exist on this machine, since verify checks the binaries and the user.
    const files = renderDeployBundle({
      ...base,
      nodePath: process.execPath,
      installDir: resolve(import.meta.dirname, '../../..'),
      dataDir: dir,
      envFilePath: '/etc/hostname',
      serviceUser: userInfo().username,
      certbotPath: '/bin/sh',
      reloadCommand: 'nginx -s reload',
    }).filter((f) => f.path.startsWith('systemd/'));
    expect(files.map((f) => f.path).sort()).toEqual(['systemd/mediafleet-agent.service', 'systemd/mediafleet-cert-renew.service', 'systemd/mediafleet-cert-renew.timer']);
    const paths = files.map((f) => {
      const p = join(dir, f.path.split('/')[1]!);
      writeFileSync(p, f.content);
      return p;
    });
    const r = spawnSync(systemdAnalyze!, ['verify', ...paths], { encoding: 'utf8' });
    const complaints = r.stderr.split('\n').filter((l) => paths.some((p) => l.includes(p)));
    expect(complaints).toEqual([]);
    expect(r.status).toBe(0);
  });

  it.skipIf(!systemdAnalyze)('a misplaced key is reported by the same check, so the check can fail (skipped: systemd-analyze missing)', () => {
    const p = join(dir, 'broken.service');
    writeFileSync(p, '[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\nStartLimitIntervalSec=300\n');
    const r = spawnSync(systemdAnalyze!, ['verify', p], { encoding: 'utf8' });
    expect(r.stderr).toContain("Unknown key 'StartLimitIntervalSec'");
  });
});

describe('Vast on-start script (syntax-checked here; run in the CPU image in fresh-debian-vps.fleet.test.ts)', () => {
  it('is valid POSIX sh with the console id, idle timeout, dead-man time and spend cap, and no token', () => {
    const script = rendered({ ...base, consoleId: 'console-7', idleTimeoutS: 900, deadmanS: 600, spendCapUsd: 4.5 })['vast/onstart.sh']!;
    execFileSync('sh', ['-n'], { input: script });
    expect(script).toContain('MEDIAFLEET_CONSOLE_ID="console-7"');
    expect(script).toContain('MEDIAFLEET_IDLE_TIMEOUT_S="900"');
    expect(script).toContain('MEDIAFLEET_DEADMAN_S="600"');
    expect(script).toContain('MEDIAFLEET_SPEND_CAP_USD="4.5"');
    expect(script).not.toMatch(/MEDIAFLEET_ADMIN_TOKEN=/);
    // The rented agent serves HTTPS with its own certificate and pairs (its secret comes in the env, not here).
    expect(script).toContain('export MEDIAFLEET_TLS="${MEDIAFLEET_TLS:-self-signed}"');
    expect(script).not.toMatch(/MEDIAFLEET_PAIRING_SECRET=/);
    expect(() => execFileSync('sh', ['-n'], { input: `${script}\nif then\n`, stdio: ['pipe', 'ignore', 'ignore'] })).toThrow();
  });
});
