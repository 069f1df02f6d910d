// Which names a GPU image may be published under: an explicit registry host (Vast pulls the name as given), a
// tag (the agent version by default), and which saved login belongs to which registry.
import { describe, expect, it } from 'vitest';
import { parseGpuImageReference, registryKey } from './image-reference.js';

describe('GPU image references', () => {
  it('split host, repository and tag, defaulting the tag to the agent version', () => {
    expect(parseGpuImageReference('registry.example.com/team/mediafleet-gpu:2.1', '0.1.0')).toMatchObject({
      registry: 'registry.example.com',
      repository: 'team/mediafleet-gpu',
      tag: '2.1',
      image: 'registry.example.com/team/mediafleet-gpu:2.1',
      api: { host: 'registry.example.com', repository: 'team/mediafleet-gpu' },
    });
    // A port belongs to the host, not the tag.
    expect(parseGpuImageReference('127.0.0.1:5000/agent-gpu', '0.1.0')).toMatchObject({ registry: '127.0.0.1:5000', repository: 'agent-gpu', tag: '0.1.0', image: '127.0.0.1:5000/agent-gpu:0.1.0' });
    expect(parseGpuImageReference('localhost/a/b/c:x_1', 'v')).toMatchObject({ registry: 'localhost', repository: 'a/b/c', tag: 'x_1' });
  });

  it("talk to Docker Hub's API host, with library/ for one-part names", () => {
    expect(parseGpuImageReference('docker.io/alice/mediafleet-gpu:1', 'v').api).toEqual({ host: 'registry-1.docker.io', repository: 'alice/mediafleet-gpu' });
    expect(parseGpuImageReference('docker.io/gpu:1', 'v').api).toEqual({ host: 'registry-1.docker.io', repository: 'library/gpu' });
  });

  it('refuse a name without a registry host, which Docker would read as Docker Hub', () => {
    for (const name of ['mediafleet-gpu', 'team/mediafleet-gpu:1.0', 'mediafleet-gpu:1.0']) {
      expect(() => parseGpuImageReference(name, 'v'), name).toThrow(expect.objectContaining({ code: 'REGISTRY_HOST_MISSING' }));
    }
  });

  it('refuse digests, upper-case repositories, bad tags, bad hosts and ports', () => {
    for (const name of [
      'registry.example.com/team/gpu@sha256:abcd',
      'registry.example.com/Team/gpu:1',
      'registry.example.com/team/gpu:.hidden',
      'registry.example.com/team//gpu:1',
      'registry.example.com/team/gpu:1 2',
      'bad_host.example.com/team/gpu:1',
      'Registry.Example.com/team/gpu:1',
      'registry.example.com:99999/team/gpu:1',
      'registry.example.com/',
    ]) {
      expect(() => parseGpuImageReference(name, 'v'), name).toThrow(expect.objectContaining({ code: expect.stringMatching(/^GPU_IMAGE_REFERENCE_INVALID$/) }));
    }
  });

  it("match a login's server address to the image's registry as docker login writes it", () => {
    expect(registryKey('https://index.docker.io/v1/')).toBe(registryKey('docker.io'));
    expect(registryKey('registry-1.docker.io')).toBe('docker.io');
    expect(registryKey('http://127.0.0.1:5000/')).toBe('127.0.0.1:5000');
    expect(registryKey('Registry.Example.com')).toBe('registry.example.com');
    expect(registryKey('registry.example.com:5000')).not.toBe(registryKey('registry.example.com'));
  });
});
