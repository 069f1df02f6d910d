// Publishing the GPU agent image through the console contract, against a real Docker engine (Debian docker.io,
// vfs, test-harness/console/docker-engine.ts) and a real registry (Debian docker-registry with htpasswd, plain
// HTTP on 127.0.0.1, which dockerd treats as an insecure registry by default: checked below). There is no
// nvidia/cuda image here: its stand-in is the Debian + node base image of the other Docker suites, tagged with
// the CUDA base's name, so deploy-templates/Dockerfile.gpu builds unchanged (no CUDA libraries are inside it).
//
// What this proves: gpu-image:publish builds Dockerfile.gpu, pushes it with the login from the vault, finds the
// pushed digest in the registry and records it for gpu-image:get; events show BuildKit's steps and the push per
// layer; the password is in no event, audit entry or store page; a wrong password, an unreachable registry, an
// unknown login or a name without a registry fail with their codes before anything is built, and a canceled
// publish leaves the registry without the tag and the recorded image as it was.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleCore } from '../console-core.js';
import type { PublishedGpuImage } from '../contracts/gpu-image.js';
import { parseDeployValues } from '../deploy/deploy-bundle.js';
import { secretNames } from '../secrets/secret-vault.js';
import { canRunDocker, dockerCliBinary, importNodeBaseImage, startTestDockerEngine, type TestDockerEngine } from '../../../test-harness/console/docker-engine.js';
import { registryBinary, startDockerRegistry, type DockerRegistry } from '../../../test-harness/console/docker-registry.js';
import { data, runContractOperation } from '../../../test-harness/console/contract-calls.js';
import { freeLoopbackPort } from '../../../test-harness/console/free-loopback-port.js';
import { suiteTimings } from '../../../test-harness/console/suite-timings.js';
import { openTestCore } from '../../../test-harness/console/test-core.js';
import { engineTreatsAsInsecure } from './image-push.js';
import { manifestAccept } from './registry-client.js';

const unavailable = (!canRunDocker ? 'needs root and dockerd (Debian docker.io)' : null) ?? (!registryBinary ? 'needs Debian docker-registry' : null);
const login = { username: 'gpu-publisher', password: 'gpu-registry-pw-9d27c4' };
const wrongPassword = 'not-the-gpu-pw-3e81';
/** The production CUDA base's name, as Dockerfile.gpu is rendered with by default. */
const cudaBaseImage = parseDeployValues({ domain: 'localhost', agentVersion: '1', agentImage: 'x/y:z' }).cudaBaseImage;

/** GET on the registry as a client of its own (not the console's code), with the test's login. */
function registryGet(address: string, path: string, accept?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const auth = Buffer.from(`${login.username}:${login.password}`).toString('base64');
    http
      .get(`http://${address}${path}`, { headers: { authorization: `Basic ${auth}`, ...(accept ? { accept } : {}) } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

describe.skipIf(unavailable)(`GPU image publish through the console contract${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let dir: string;
  let engine: TestDockerEngine;
  let registry: DockerRegistry;
  let core: ConsoleCore;
  const { timings, timed } = suiteTimings();
  const publish = (input: Record<string, unknown>) => runContractOperation(core, 'gpu-image:publish', input);
  const published = async () => data<{ published: PublishedGpuImage | null }>(await core.invoke('gpu-image:get', {}, { readOnly: true })).published;
  /** Everything the console kept of an operation and of its audit log, to look for the password in. */
  const kept = (operationId: string) => JSON.stringify([core.operations.eventsSince(operationId), core.operations.status(operationId), core.audit.list({ limit: 1000 })]);

  beforeAll(async () => {
    const t0 = Date.now();
    dir = mkdtempSync(join(tmpdir(), 'mf-gpu-image-fleet-'));
    engine = await timed('engine', () => startTestDockerEngine());
    await timed('baseImage', () => importNodeBaseImage(engine.docker));
    // The stand-in for nvidia/cuda: the same Debian + node root under the CUDA base's name (a tag, no copy).
    const colon = cudaBaseImage.lastIndexOf(':');
    await engine.docker.getImage('node:20-bookworm-slim').tag({ repo: cudaBaseImage.slice(0, colon), tag: cudaBaseImage.slice(colon + 1) });
    registry = await startDockerRegistry({ host: '127.0.0.1', port: await freeLoopbackPort(), ...login });
    // The build context is prepared in `dir`, on the filesystem of node_modules: hard links, no gigabyte copy.
    core = openTestCore(dir, { deploy: { localDocker: engine.docker }, gpuImage: { dockerCli: dockerCliBinary, workDir: dir } });
    data(await core.invoke('deploy:set-registry-credentials', { name: 'gpu-registry', serveraddress: registry.address, ...login }));
    data(await core.invoke('deploy:set-registry-credentials', { name: 'gpu-registry-stale', serveraddress: registry.address, username: login.username, password: wrongPassword }));
    timings.setup = Date.now() - t0;
  }, 600_000);

  afterAll(async () => {
    await core?.close();
    await engine?.stop();
    await registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log('gpu-image suite timings (ms):', JSON.stringify(timings));
  }, 300_000);

  it('the engine pushes to a 127.0.0.1 registry over plain HTTP without being told (its default insecure range)', async () => {
    expect(await engineTreatsAsInsecure(engine.docker, registry.address)).toBe(true);
    expect(await engineTreatsAsInsecure(engine.docker, 'registry.example.com')).toBe(false);
  });

  it('refuses a name without a registry host and an unknown login before starting anything', async () => {
    expect(await core.invoke('gpu-image:publish', { image: 'mediafleet/agent-gpu:1', credentialName: 'gpu-registry' })).toMatchObject({ ok: false, error: { code: 'REGISTRY_HOST_MISSING' } });
    expect(await core.invoke('gpu-image:publish', { image: `${registry.address}/mediafleet/agent-gpu:1`, credentialName: 'nobody' })).toMatchObject({
      ok: false,
      error: { code: 'REGISTRY_CREDENTIAL_MISSING' },
    });
    expect(data(await core.invoke('operations:list', { kinds: ['gpu-image'] }))).toEqual([]);
  });

  it('a wrong password fails at the login with REGISTRY_AUTH_FAILED, before any build, and is kept nowhere', async () => {
    const t0 = Date.now();
    const r = await publish({ image: `${registry.address}/mediafleet/agent-gpu:wrong-pw`, credentialName: 'gpu-registry-stale' });
    expect(r.run.status).toBe('failed');
    expect(r.last.error?.code).toBe('REGISTRY_AUTH_FAILED');
    expect(r.run.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['gpu-image.registry-login', 'failed'],
      ['gpu-image.context', 'pending'],
      ['gpu-image.build', 'pending'],
      ['gpu-image.push', 'pending'],
      ['gpu-image.verify', 'pending'],
    ]);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(kept(r.operationId)).not.toContain(wrongPassword);
    expect(await published()).toBeNull();
  });

  it('an unreachable registry fails at the login with REGISTRY_UNREACHABLE', async () => {
    const nowhere = `127.0.0.1:${await freeLoopbackPort()}`;
    data(await core.invoke('deploy:set-registry-credentials', { name: 'gone-registry', serveraddress: nowhere, ...login }));
    const r = await publish({ image: `${nowhere}/mediafleet/agent-gpu:1`, credentialName: 'gone-registry' });
    expect(r.last.error).toMatchObject({ code: 'REGISTRY_UNREACHABLE', message: expect.stringContaining(nowhere) });
    expect(r.run.steps[0]).toMatchObject({ stepId: 'gpu-image.registry-login', status: 'failed' });
  });

  it('builds Dockerfile.gpu, pushes it with progress per layer, finds the manifest and records the image', async () => {
    const image = `${registry.address}/mediafleet/agent-gpu:fleet-1`;
    const r = await timed('publish', () => publish({ image, credentialName: 'gpu-registry', agentVersion: '0.9.0-gpu.1' }));
    expect(r.run.status, JSON.stringify(r.events.slice(-8))).toBe('succeeded');
    expect(r.run.kind).toBe('gpu-image');
    expect(r.run.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['gpu-image.registry-login', 'applied'],
      ['gpu-image.context', 'applied'],
      ['gpu-image.build', 'applied'],
      ['gpu-image.push', 'applied'],
      ['gpu-image.verify', 'applied'],
    ]);
    // BuildKit's steps as lines of the build step, with progress moving inside it; the push layer by layer.
    const build = r.events.filter((e) => e.phase === 'gpu-image.build:log');
    expect(build.some((e) => /^#\d+ \[(?:[\w.-]+ )?\d+\/\d+\] FROM .*nvidia\/cuda/.test(e.line ?? ''))).toBe(true);
    expect(build.some((e) => /COPY --from=node \/usr\/local\/bin\/node/.test(e.line ?? ''))).toBe(true);
    const push = r.events.filter((e) => e.phase === 'gpu-image.push:log');
    expect(push.filter((e) => /^layer [0-9a-f]{12}: Pushed$/.test(e.line ?? '')).length).toBeGreaterThanOrEqual(2);
    expect(push.some((e) => /^layer [0-9a-f]{12}: Pushing [\d.]+ of [\d.]+ MB$/.test(e.line ?? ''))).toBe(true);
    // Progress never goes back, passes through both the build and the push step (5 steps: 0.4-0.6 and 0.6-0.8).
    const progress = r.events.map((e) => e.progress ?? 0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(build.some((e) => (e.progress ?? 0) > 0.4 && (e.progress ?? 0) < 0.6)).toBe(true);
    expect(push.some((e) => (e.progress ?? 0) > 0.6 && (e.progress ?? 0) < 0.8)).toBe(true);
    expect(r.last).toMatchObject({ phase: 'done', progress: 1, done: true });

    // The registry, asked by the test itself, serves that tag with the digest the console recorded.
    const rec = await published();
    expect(rec).toMatchObject({ image, registry: registry.address, credentialName: 'gpu-registry', agentVersion: '0.9.0-gpu.1', cudaBaseImage, operationId: r.operationId });
    const manifest = await registryGet(registry.address, '/v2/mediafleet/agent-gpu/manifests/fleet-1', manifestAccept);
    expect(manifest.status).toBe(200);
    expect(manifest.headers['docker-content-digest']).toBe(rec!.digest);
    // ... and it is the GPU image: its config carries Dockerfile.gpu's labels and env.
    const configDigest = (JSON.parse(manifest.body) as { config: { digest: string } }).config.digest;
    const config = JSON.parse((await registryGet(registry.address, `/v2/mediafleet/agent-gpu/blobs/${configDigest}`)).body) as { config: { Labels: Record<string, string>; Env: string[] } };
    expect(config.config.Labels).toMatchObject({ 'io.mediafleet.flavor': 'gpu', 'org.opencontainers.image.version': '0.9.0-gpu.1' });
    expect(config.config.Env).toEqual(expect.arrayContaining(['NVIDIA_VISIBLE_DEVICES=all', 'MEDIAFLEET_AGENT_VERSION=0.9.0-gpu.1']));

    // The password is in no event, operation record, audit entry or page of the store; the audit names the login.
    expect(kept(r.operationId)).not.toContain(login.password);
    core.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(join(dir, 'console.db')).includes(login.password)).toBe(false);
    const audit = core.audit.list({ limit: 1000 });
    expect(audit.find((e) => e.action === 'gpu-image.published')?.detail).toMatchObject({ image, digest: rec!.digest, login: 'gpu-registry' });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['gpu-image.started', 'gpu-image.succeeded']));
    // From now on rentals pull exactly this image (by the digest the registry confirmed) with the login it was pushed with.
    expect(data(await core.invoke('vast:settings', {}, { readOnly: true }))).toEqual({ gpuImage: `${image}@${rec!.digest}`, imageLogin: { configured: true }, defaultFilters: null });
    expect(await core.vault.get(secretNames.vastImageLogin())).toBe(`-u ${login.username} -p ${login.password} ${registry.address}`);
  }, 900_000);

  it("the recorded reference and login pull the image by its digest, as Vast's docker pull would", async () => {
    const rec = (await published())!;
    const pullLogin = await core.gpuImage.pullLogin();
    expect(pullLogin).toEqual({ serveraddress: registry.address, ...login });
    // Only the registry's copy can answer now: the built image goes with its tag and its digest reference, and
    // BuildKit's cache, which would otherwise keep its layers here.
    const pinned = `${rec.image.slice(0, rec.image.lastIndexOf(':'))}@${rec.digest}`;
    const built = await engine.docker.getImage(rec.image).inspect();
    await engine.docker.getImage(built.Id).remove({ force: true });
    await engine.docker.pruneBuilder();
    await expect(engine.docker.getImage(pinned).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const statuses = await timed('pull', async () => {
      const stream = await engine.docker.pull(pinned, { authconfig: pullLogin! });
      return new Promise<string[]>((res, rej) =>
        engine.docker.modem.followProgress(stream, (err: Error | null, out: { status?: string; error?: string }[]) =>
          err ? rej(err) : out.find((m) => m.error) ? rej(new Error(out.find((m) => m.error)!.error)) : res(out.map((m) => m.status ?? '')),
        ),
      );
    });
    // The agent's layers came over the wire (the base layer is the stand-in's, already here).
    expect(statuses.filter((st) => st === 'Pull complete').length).toBeGreaterThanOrEqual(2);
    const pulled = await engine.docker.getImage(pinned).inspect();
    expect(pulled.Config.Labels).toMatchObject({ 'io.mediafleet.flavor': 'gpu', 'org.opencontainers.image.version': rec.agentVersion });
    expect(pulled.Config.Entrypoint).toEqual(['node', '/app/node_modules/tsx/dist/cli.mjs', '/app/agent/src/cli.ts']);
    expect(pulled.RepoDigests).toContain(pinned);
  }, 300_000);

  it('without the docker command the build fails with DOCKER_CLI_MISSING after the login and the context, recording nothing', async () => {
    const otherDir = mkdtempSync(join(dir, 'no-cli-'));
    const other = openTestCore(otherDir, { deploy: { localDocker: engine.docker }, gpuImage: { dockerCli: join(otherDir, 'no-docker-cli'), workDir: otherDir } });
    try {
      data(await other.invoke('deploy:set-registry-credentials', { name: 'gpu-registry', serveraddress: registry.address, ...login }));
      const r = await runContractOperation(other, 'gpu-image:publish', { image: `${registry.address}/mediafleet/agent-gpu:no-cli`, credentialName: 'gpu-registry' });
      expect(r.last.error).toMatchObject({ code: 'DOCKER_CLI_MISSING', message: expect.stringContaining('MEDIAFLEET_DOCKER_CLI') });
      expect(r.run.steps.map((s) => s.status)).toEqual(['applied', 'applied', 'failed', 'pending', 'pending']);
      expect(data(await other.invoke('gpu-image:get', {}))).toEqual({ published: null });
    } finally {
      await other.close();
    }
  });

  it('a canceled publish leaves no tag in the registry and the recorded image as it was', async () => {
    const before = await published();
    expect(before).not.toBeNull();
    const { operationId } = data<{ operationId: string }>(
      await core.invoke('gpu-image:publish', { image: `${registry.address}/mediafleet/agent-gpu:canceled`, credentialName: 'gpu-registry' }),
    );
    // A second publish while one runs is refused.
    expect(await core.invoke('gpu-image:publish', { image: `${registry.address}/mediafleet/agent-gpu:other`, credentialName: 'gpu-registry' })).toMatchObject({
      ok: false,
      error: { code: 'GPU_IMAGE_PUBLISHING' },
    });
    // Cancel once the build runs.
    const deadline = Date.now() + 120_000;
    while (!core.operations.eventsSince(operationId).some((e) => e.phase === 'gpu-image.build:log')) {
      if (Date.now() > deadline) throw new Error('the build did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    data(await core.invoke('operations:cancel', { operationId }));
    await core.operations.settled(operationId);
    expect(data<{ status: string }>(await core.invoke('operations:status', { operationId })).status).toBe('canceled');
    expect((await registryGet(registry.address, '/v2/mediafleet/agent-gpu/manifests/canceled', manifestAccept)).status).toBe(404);
    expect(await published()).toEqual(before);
  }, 300_000);
});
