// The Docker engine on the console's own machine (images are built here and pushed from here). The default is
// dockerode's: DOCKER_HOST when set, else the user's Docker Desktop socket or /var/run/docker.sock. Nothing
// connects until an operation needs the engine; then a missing, stopped or forbidden engine is DOCKER_UNAVAILABLE
// with what to do, never an internal error.
import Docker from 'dockerode';
import { ConsoleError } from '../contracts/define.js';

export function defaultLocalDocker(): Docker {
  return new Docker();
}

interface ModemView {
  socketPath?: string | (() => string | Promise<string>) | Promise<string>;
  getSocketPath?: () => Promise<string | undefined> | undefined;
  host?: string;
  port?: string | number;
  protocol?: string;
  username?: string;
}

/**
 * The engine's address in DOCKER_HOST form, for the docker CLI (BuildKit builds go through it). TLS settings of
 * a tcp engine reach the CLI as they reached dockerode: through DOCKER_TLS_VERIFY and DOCKER_CERT_PATH.
 */
export async function dockerHostOf(docker: Docker): Promise<string> {
  const modem = docker.modem as unknown as ModemView;
  if (modem.socketPath) {
    const path = modem.getSocketPath ? await modem.getSocketPath() : typeof modem.socketPath === 'string' ? modem.socketPath : undefined;
    return `unix://${path ?? '/var/run/docker.sock'}`;
  }
  if (modem.protocol === 'ssh') return `ssh://${modem.username ? `${modem.username}@` : ''}${modem.host}${modem.port ? `:${modem.port}` : ''}`;
  return `tcp://${modem.host}:${modem.port ?? (modem.protocol === 'https' ? 2376 : 2375)}`;
}

const howToStart =
  'Start Docker on this computer (Docker Desktop, or `sudo systemctl start docker` on Linux), or set DOCKER_HOST to the engine to use, then try again.';

/** Why an engine did not answer, in words a person can act on. */
export function dockerUnavailable(host: string, err: unknown): ConsoleError {
  const e = err as NodeJS.ErrnoException & { statusCode?: number };
  const reason =
    e.code === 'ENOENT'
      ? `nothing at ${host} (Docker is not installed or not running)`
      : e.code === 'ECONNREFUSED'
        ? `${host} refuses connections (Docker is stopped)`
        : e.code === 'EACCES'
          ? `permission denied on ${host} (add your user to the docker group, or use an engine you may reach)`
          : e.code === 'TIMEOUT'
            ? `${host} did not answer within ${e.message}`
            : `${host} did not answer (${e.message ?? String(err)})`;
  return new ConsoleError('DOCKER_UNAVAILABLE', `This console's Docker engine is not available: ${reason}. ${howToStart}`);
}

/** Pings the engine; resolves with its address and version, or throws DOCKER_UNAVAILABLE. */
export async function requireLocalDocker(docker: Docker, opts: { timeoutMs?: number } = {}): Promise<{ host: string; version: string }> {
  const host = await dockerHostOf(docker);
  const timeoutMs = opts.timeoutMs ?? 5000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`${timeoutMs / 1000} s`), { code: 'TIMEOUT' })), timeoutMs);
    });
    const version = await Promise.race([docker.version(), timeout]);
    return { host, version: version.Version };
  } catch (err) {
    throw dockerUnavailable(host, err);
  } finally {
    clearTimeout(timer);
  }
}
