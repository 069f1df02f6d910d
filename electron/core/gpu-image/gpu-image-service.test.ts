// gpu-image:publish and gpu-image:get through the console contract on a real core (SQLite file, file vault):
// what is refused before anything starts (a name without a registry, an unknown or another registry's login, no
// Docker engine, with the default engine too) and with which code, and that nothing is recorded as published.
// The build, push and manifest check against a real engine and registry: gpu-image.fleet.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsoleCore } from '../console-core.js';
import { freeLoopbackPort } from '../../../test-harness/console/free-loopback-port.js';
import { openTestCore } from '../../../test-harness/console/test-core.js';

let core: ConsoleCore | null = null;
let dir = '';
afterEach(async () => {
  await core?.close();
  core = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function makeCore(docker?: Docker): ConsoleCore {
  dir = mkdtempSync(join(tmpdir(), 'mf-gpu-image-'));
  core = openTestCore(dir, docker ? { deploy: { localDocker: docker } } : {});
  return core;
}

const noEngine = () => new Docker({ socketPath: join(dir || tmpdir(), 'no-docker-here.sock') });

async function noGpuImageOperations(c: ConsoleCore): Promise<void> {
  expect(await c.invoke('operations:list', { kinds: ['gpu-image'] })).toEqual({ ok: true, data: [] });
  expect(await c.invoke('gpu-image:get', {}, { readOnly: true })).toEqual({ ok: true, data: { published: null } });
}

describe('gpu-image through the console contract', () => {
  it('answers null before anything was published, also to a read-only console', async () => {
    const c = makeCore();
    expect(await c.invoke('gpu-image:get', {}, { readOnly: true })).toEqual({ ok: true, data: { published: null } });
    expect(await c.invoke('gpu-image:publish', { image: 'registry.example.com/t/gpu:1' }, { readOnly: true })).toMatchObject({ ok: false, error: { code: 'READ_ONLY' } });
  });

  it('refuses an image without a registry host, a bad reference and a bad version before starting anything', async () => {
    const c = makeCore(noEngine());
    for (const image of ['mediafleet-gpu:1.0', 'team/mediafleet-gpu']) {
      expect(await c.invoke('gpu-image:publish', { image }), image).toMatchObject({ ok: false, error: { code: 'REGISTRY_HOST_MISSING', message: expect.stringContaining('<registry host>/') } });
    }
    expect(await c.invoke('gpu-image:publish', { image: 'registry.example.com/Team/gpu:1' })).toMatchObject({ ok: false, error: { code: 'GPU_IMAGE_REFERENCE_INVALID' } });
    expect(await c.invoke('gpu-image:publish', { image: 'registry.example.com/t/gpu:1', agentVersion: '1 0' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'agentVersion' } });
    await noGpuImageOperations(c);
  });

  it("refuses an unknown login and another registry's login, so a password never goes to the wrong registry", async () => {
    const c = makeCore(noEngine());
    expect(await c.invoke('gpu-image:publish', { image: 'registry.example.com/t/gpu:1', credentialName: 'nobody' })).toMatchObject({
      ok: false,
      error: { code: 'REGISTRY_CREDENTIAL_MISSING', message: expect.stringContaining('"nobody"') },
    });
    const password = 'gpu-image-unit-pw-4b1d';
    expect(await c.invoke('deploy:set-registry-credentials', { name: 'other', serveraddress: 'https://other.example.com/v2/', username: 'u', password })).toEqual({ ok: true, data: { ok: true } });
    const mismatch = await c.invoke('gpu-image:publish', { image: 'registry.example.com/t/gpu:1', credentialName: 'other' });
    expect(mismatch).toMatchObject({ ok: false, error: { code: 'REGISTRY_CREDENTIAL_MISMATCH' } });
    expect(JSON.stringify(mismatch)).not.toContain(password);
    await noGpuImageOperations(c);
    expect(JSON.stringify(c.audit.list({ limit: 100 }))).not.toContain(password);
  });

  it('says DOCKER_UNAVAILABLE with how to start Docker when no engine answers (missing socket, refused port)', async () => {
    const c = makeCore(noEngine());
    const missing = await c.invoke('gpu-image:publish', { image: 'registry.example.com/t/gpu:1' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'DOCKER_UNAVAILABLE', message: expect.stringMatching(/no-docker-here\.sock.*DOCKER_HOST/s) } });
    await noGpuImageOperations(c);
    await c.close();

    const port = await freeLoopbackPort();
    core = openTestCore(dir, { deploy: { localDocker: new Docker({ host: '127.0.0.1', port }) } });
    expect(await core.invoke('gpu-image:publish', { image: 'registry.example.com/t/gpu:1' })).toMatchObject({
      ok: false,
      error: { code: 'DOCKER_UNAVAILABLE', message: expect.stringContaining(`tcp://127.0.0.1:${port} refuses connections`) },
    });
  });

  it("uses dockerode's default engine (DOCKER_HOST) when the console is given none", async () => {
    const before = process.env.DOCKER_HOST;
    dir = mkdtempSync(join(tmpdir(), 'mf-gpu-image-'));
    process.env.DOCKER_HOST = `unix://${join(dir, 'default-engine.sock')}`;
    try {
      core = openTestCore(dir);
    } finally {
      if (before === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = before;
    }
    expect(await core.invoke('gpu-image:publish', { image: 'registry.example.com/t/gpu:1' })).toMatchObject({
      ok: false,
      error: { code: 'DOCKER_UNAVAILABLE', message: expect.stringContaining('default-engine.sock') },
    });
  });
});
