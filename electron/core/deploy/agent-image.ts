// Building the agent image and moving it to a server. Without a registry an image travels as
// `docker save` on this side piped into `docker load` on the server over the SSH connection, with byte
// progress; with a registry the server pulls it.
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import { ConsoleError } from '../contracts/define.js';

export interface OperationOptions {
  signal?: AbortSignal;
  onProgress?: (p: { phase: string; progress: number | null; line?: string; bytes?: number; totalBytes?: number }) => void;
}

interface DockerStreamMessage {
  stream?: string;
  status?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

function followDockerStream(docker: Docker, stream: NodeJS.ReadableStream, phase: string, opts: OperationOptions): Promise<DockerStreamMessage[]> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      (stream as Readable).destroy?.();
      reject(new ConsoleError('CANCELED', `${phase} canceled`));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: DockerStreamMessage[]) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (opts.signal?.aborted) return;
        if (err) return reject(new ConsoleError('DOCKER_FAILED', `${phase}: ${err.message}`));
        const failed = output.find((m) => m.error || m.errorDetail);
        if (failed) return reject(new ConsoleError(phase === 'build' ? 'IMAGE_BUILD_FAILED' : 'DOCKER_FAILED', `${phase}: ${failed.errorDetail?.message ?? failed.error}`));
        resolve(output);
      },
      (m: DockerStreamMessage) => {
        const line = (m.stream ?? [m.status, m.progress].filter(Boolean).join(' ')).trimEnd();
        if (line) opts.onProgress?.({ phase, progress: null, line });
      },
    );
  });
}

/**
 * Builds the image from a prepared context directory (see prepareAgentBuildContext) with the docker CLI and
 * BuildKit. Not dockerode's build endpoint: that is the legacy builder, which creates a container for every
 * Dockerfile instruction, and under vfs each one is a full copy of the image (minutes per LABEL/ENV line).
 */
export async function buildAgentImage(
  dockerHost: string,
  contextDir: string,
  tag: string,
  opts: OperationOptions & { dockerCli?: string } = {},
): Promise<void> {
  // A docker CLI with BuildKit built in (Debian's docker.io 20.10) or one with the buildx plugin.
  const child = spawn(opts.dockerCli ?? process.env.MEDIAFLEET_DOCKER_CLI ?? 'docker', ['build', '--progress=plain', '--network=none', '--label', 'io.mediafleet.built-by=mediafleet-console', '-t', tag, contextDir], {
    env: { ...process.env, DOCKER_HOST: dockerHost, DOCKER_BUILDKIT: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    signal: opts.signal,
  });
  const tail: string[] = [];
  const onData = (c: Buffer) => {
    for (const line of c.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      opts.onProgress?.({ phase: 'build', progress: null, line });
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        opts.signal?.aborted
          ? new ConsoleError('CANCELED', 'build canceled')
          : err.code === 'ENOENT'
            ? new ConsoleError('DOCKER_CLI_MISSING', `the docker command (${err.path ?? 'docker'}) is not installed here; images are built with it (BuildKit). Install Docker's command-line tool (Docker Desktop, or Debian's docker.io), or set MEDIAFLEET_DOCKER_CLI to its path.`)
            : new ConsoleError('IMAGE_BUILD_FAILED', `cannot run docker: ${err.message}`),
      ),
    );
    child.on('close', resolve);
  });
  if (code !== 0) throw new ConsoleError('IMAGE_BUILD_FAILED', `docker build failed (exit ${code}):\n${tail.slice(-15).join('\n')}`);
}

/** What `transferImage` needs from the server side: a `docker load` that reads our stream. */
export interface ImageLoader {
  /** Starts `docker load` on the server; resolves with its output once it has read the whole stream. */
  load(input: Readable, opts: { signal?: AbortSignal }): Promise<string>;
}

/**
 * `docker save <image>` here, `docker load` on the server, with byte progress. The total is the sum of the
 * image's layer sizes, an estimate (the tar adds headers and config), so progress is capped below 1 until done.
 */
export async function transferImage(localDocker: Docker, image: string, loader: ImageLoader, opts: OperationOptions = {}): Promise<{ bytes: number }> {
  const info = await localDocker.getImage(image).inspect().catch(() => {
    throw new ConsoleError('IMAGE_NOT_FOUND', `image ${image} is not in the local Docker engine`);
  });
  const total = info.Size;
  const saved = (await localDocker.getImage(image).get()) as Readable;
  let bytes = 0;
  let lastReport = 0;
  // Count bytes in a pass-through, so the stream stays paused until the loader starts reading it.
  const counted = new PassThrough({ highWaterMark: 1024 * 1024 });
  counted.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes - lastReport >= 8 * 1024 * 1024) {
      lastReport = bytes;
      opts.onProgress?.({ phase: 'transfer', progress: Math.min(0.99, bytes / total), bytes, totalBytes: total });
    }
  });
  counted.pause();
  saved.on('error', (e) => counted.destroy(e));
  saved.pipe(counted);
  const output = await loader.load(counted, { signal: opts.signal });
  if (!/Loaded image/i.test(output)) throw new ConsoleError('IMAGE_LOAD_FAILED', `docker load on the server did not load the image: ${output.slice(-500)}`);
  opts.onProgress?.({ phase: 'transfer', progress: 1, bytes, totalBytes: total, line: output.trim() });
  return { bytes };
}

/** Registry path: the server pulls the image itself (auth optional). */
export async function pullImage(
  serverDocker: Docker,
  image: string,
  opts: OperationOptions & { auth?: { username: string; password: string; serveraddress: string } } = {},
): Promise<void> {
  const stream = await serverDocker.pull(image, opts.auth ? { authconfig: opts.auth } : {});
  await followDockerStream(serverDocker, stream, 'pull', opts);
}
