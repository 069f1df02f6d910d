// Image references as Docker reads them (`[host[:port]/]path[:tag][@digest]`), held to what a published GPU image
// needs: an explicit registry host (Vast pulls the name as given, and a bare `user/repo` would silently mean Docker
// Hub), a tag (default: the agent version), no digest (a push names a tag). Also which registry a saved login is for.
import { ConsoleError } from '../contracts/define.js';

export interface GpuImageReference {
  /** The registry as written in the name (`registry.example.com:5000`, `docker.io`). */
  registry: string;
  /** The repository path as written (`team/mediafleet-gpu`). */
  repository: string;
  tag: string;
  /** `<registry>/<repository>:<tag>`: what is built, pushed and given to Vast. */
  image: string;
  /** Where the registry's HTTP API answers and the repository's name there (Docker Hub's differ from the name). */
  api: { host: string; repository: string };
}

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** Lower case only: the deploy values (and so Dockerfile rendering) take lower-case image names. */
const hostPattern = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]{1,5})?$/;
const dockerHubNames = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

const invalid = (message: string) => new ConsoleError('GPU_IMAGE_REFERENCE_INVALID', message);

/** Docker's rule: the first component names a registry when it has a dot or a port, or is `localhost`. */
function looksLikeHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

export function parseGpuImageReference(input: string, defaultTag: string): GpuImageReference {
  const ref = input.trim();
  if (/\s/.test(ref) || ref.length === 0) throw invalid(`"${input}" is not an image reference (no spaces)`);
  if (ref.includes('@')) throw invalid(`${ref} names a digest; name a tag instead (the console pushes a tag and records the digest it gets)`);
  const slash = ref.indexOf('/');
  const first = slash < 0 ? ref : ref.slice(0, slash);
  if (slash < 0 || !looksLikeHost(first)) {
    throw new ConsoleError(
      'REGISTRY_HOST_MISSING',
      `${ref} does not name a registry. Write it as <registry host>/<repository>:<tag>, e.g. registry.example.com/team/mediafleet-gpu:1.0, or docker.io/<user>/mediafleet-gpu:1.0 for Docker Hub.`,
    );
  }
  if (!hostPattern.test(first)) throw invalid(`"${first}" is not a registry host name (lower-case letters, digits, - and dots, an optional :port)`);
  const port = first.includes(':') ? Number(first.slice(first.indexOf(':') + 1)) : null;
  if (port !== null && (port < 1 || port > 65535)) throw invalid(`${first}: the port must be 1-65535`);
  const rest = ref.slice(slash + 1);
  // A colon after the last slash starts the tag; one before it belongs to the host.
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  const repository = colon < 0 ? rest : rest.slice(0, colon);
  const tag = colon < 0 ? defaultTag : rest.slice(colon + 1);
  const components = repository.split('/');
  if (repository.length === 0 || components.some((c) => !pathComponent.test(c))) {
    throw invalid(`"${repository}" is not a repository name: lower-case letters, digits and . _ - between them, parts separated by /`);
  }
  if (repository.length > 255 - first.length - 1) throw invalid(`${ref} is longer than Docker allows (255 characters)`);
  if (!tagPattern.test(tag)) throw invalid(`"${tag}" is not a valid tag: letters, digits, _ . -, at most 128, not starting with . or -`);
  const hub = dockerHubNames.has(first);
  return {
    registry: first,
    repository,
    tag,
    image: `${first}/${repository}:${tag}`,
    api: {
      host: hub ? 'registry-1.docker.io' : first,
      repository: hub && components.length === 1 ? `library/${repository}` : repository,
    },
  };
}

/**
 * The registry a login's `serveraddress` means, comparable to an image's `registry`: no scheme, no path, lower
 * case, and Docker Hub's several names as one (`https://index.docker.io/v1/` is how `docker login` saves it).
 */
export function registryKey(address: string): string {
  const bare = address.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return dockerHubNames.has(bare) ? 'docker.io' : bare;
}
