// The registry client against a real registry (Debian docker-registry with htpasswd, plain HTTP on loopback):
// a right login is accepted, a wrong or missing one is refused with its own code, an address where nothing
// listens is unreachable, a registry without TLS is only spoken to in plain HTTP when the engine would too, and
// a tag nobody pushed has no manifest. Pushing and the manifest of a pushed image: gpu-image.fleet.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryBinary, startDockerRegistry, type DockerRegistry } from '../../../test-harness/console/docker-registry.js';
import { freeLoopbackPort } from '../../../test-harness/console/free-loopback-port.js';
import { parseChallenge, RegistryClient } from './registry-client.js';

const login = { username: 'publisher', password: 'registry-client-pw-81f3' };

describe('registry challenges', () => {
  it('read Basic and Bearer challenges with their parameters', () => {
    expect(parseChallenge('Basic realm="mediafleet-test"')).toEqual({ scheme: 'basic', params: { realm: 'mediafleet-test' } });
    expect(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull,push"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:a/b:pull,push' },
    });
    expect(parseChallenge(undefined)).toBeNull();
    expect(parseChallenge('Negotiate abc')).toBeNull();
  });
});

describe.skipIf(!registryBinary)(`the registry client against docker-registry${registryBinary ? '' : ' (skipped: needs Debian docker-registry)'}`, () => {
  let registry: DockerRegistry;
  beforeAll(async () => {
    registry = await startDockerRegistry({ host: '127.0.0.1', port: await freeLoopbackPort(), ...login });
  });
  afterAll(async () => registry?.stop());

  it('accepts the right login, refuses a wrong one (REGISTRY_AUTH_FAILED) and no login (REGISTRY_AUTH_REQUIRED)', async () => {
    await new RegistryClient({ host: registry.address, login, insecure: true }).checkLogin();
    const wrong = new RegistryClient({ host: registry.address, login: { ...login, password: 'not-the-pw-77a2' }, insecure: true }).checkLogin();
    await expect(wrong).rejects.toMatchObject({ code: 'REGISTRY_AUTH_FAILED', message: expect.stringContaining('"publisher"') });
    await expect(wrong.catch((e: Error) => e.message)).resolves.not.toContain('not-the-pw-77a2');
    await expect(new RegistryClient({ host: registry.address, insecure: true }).checkLogin()).rejects.toMatchObject({ code: 'REGISTRY_AUTH_REQUIRED' });
  });

  it('has no manifest for a tag nobody pushed', async () => {
    expect(await new RegistryClient({ host: registry.address, login, insecure: true }).manifest('mediafleet/agent-gpu', 'never-pushed')).toBeNull();
  });

  it('does not fall back to plain HTTP for a registry the engine requires TLS of', async () => {
    await expect(new RegistryClient({ host: registry.address, login, insecure: false }).checkLogin()).rejects.toMatchObject({ code: 'REGISTRY_UNREACHABLE' });
  });

  it('says REGISTRY_UNREACHABLE where nothing listens, and within its timeout where nothing answers', async () => {
    const port = await freeLoopbackPort();
    await expect(new RegistryClient({ host: `127.0.0.1:${port}`, login, insecure: true }).checkLogin()).rejects.toMatchObject({
      code: 'REGISTRY_UNREACHABLE',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
    // A listener that accepts and never answers.
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as { port: number }).port;
    try {
      const t0 = Date.now();
      await expect(new RegistryClient({ host: `127.0.0.1:${silentPort}`, login, insecure: true, timeoutMs: 300 }).checkLogin()).rejects.toMatchObject({ code: 'REGISTRY_UNREACHABLE' });
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });
});
