// Where the ffmpeg and ffprobe binaries are, and how to run them safely: argv arrays (no shell), a wall-clock
// time limit, an address-space limit through prlimit(1), cancellation by AbortSignal, and bounded output.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AgentError } from '../../errors.js';

export interface MediaToolPaths {
  ffmpeg: string;
  ffprobe: string;
}

function firstOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function ffmpegFromInstallerPackage(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const installed = require('@ffmpeg-installer/ffmpeg') as { path?: string };
    return installed.path && existsSync(installed.path) ? installed.path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * ffmpeg: MEDIAFLEET_FFMPEG, else the npm package's static build (present wherever `npm install` ran), else PATH.
 * ffprobe: MEDIAFLEET_FFPROBE, else next to the chosen ffmpeg, else PATH (Debian `ffmpeg` ships it; the npm
 * package does not).
 */
export function resolveMediaTools(env: NodeJS.ProcessEnv = process.env): MediaToolPaths {
  const ffmpeg = env.MEDIAFLEET_FFMPEG || ffmpegFromInstallerPackage() || firstOnPath('ffmpeg');
  if (!ffmpeg) throw new AgentError('INTERNAL', 'ffmpeg not found: install Debian ffmpeg or set MEDIAFLEET_FFMPEG');
  const sibling = path.join(path.dirname(ffmpeg), 'ffprobe');
  const ffprobe = env.MEDIAFLEET_FFPROBE || (existsSync(sibling) ? sibling : undefined) || firstOnPath('ffprobe');
  if (!ffprobe) throw new AgentError('INTERNAL', 'ffprobe not found: install Debian ffmpeg or set MEDIAFLEET_FFPROBE');
  return { ffmpeg, ffprobe };
}

export interface RunLimits {
  /** Wall-clock limit; the process is killed with SIGKILL when it passes. */
  timeoutMs: number;
  /** Address-space limit applied with prlimit --as, so a hostile file cannot make the decoder eat the host. */
  maxMemoryBytes: number;
  /** Stdout beyond this is an error rather than an out-of-memory in the agent. */
  maxStdoutBytes: number;
  signal?: AbortSignal;
  /** Called with each stderr chunk (ffmpeg prints progress and filter logs there). */
  onStderr?: (chunk: string) => void;
}

export const defaultRunLimits: RunLimits = {
  timeoutMs: 10 * 60_000,
  maxMemoryBytes: 3 * 1024 ** 3,
  maxStdoutBytes: 512 * 1024 ** 2,
};

export interface RunResult {
  exitCode: number;
  stdout: Buffer;
  stderr: string;
}

const prlimitPath = firstOnPath('prlimit');

/** Runs `binary args…` under the limits; resolves with the exit code (non-zero is the caller's to judge). */
export function runMediaTool(binary: string, args: string[], limits: Partial<RunLimits> = {}): Promise<RunResult> {
  const l = { ...defaultRunLimits, ...limits };
  if (l.signal?.aborted) return Promise.reject(new AgentError('CANCELED'));
  const [command, argv] = prlimitPath
    ? [prlimitPath, [`--as=${l.maxMemoryBytes}`, '--', binary, ...args]]
    : [binary, args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const chunks: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let failure: AgentError | undefined;
    const kill = (err: AgentError) => {
      failure ??= err;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill(new AgentError('TIMEOUT', `${path.basename(binary)} ran longer than ${l.timeoutMs} ms`)), l.timeoutMs);
    const onAbort = () => kill(new AgentError('CANCELED'));
    l.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > l.maxStdoutBytes) {
        kill(new AgentError('FILE_TOO_LARGE', `decoded output exceeds ${l.maxStdoutBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      // Keep the tail only: ffmpeg can be chatty on long files.
      stderr = (stderr + chunk).slice(-64_000);
      l.onStderr?.(chunk);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      l.signal?.removeEventListener('abort', onAbort);
      reject(new AgentError('INTERNAL', `cannot run ${binary}: ${err.message}`));
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      l.signal?.removeEventListener('abort', onAbort);
      if (failure) return reject(failure);
      resolve({ exitCode: code ?? (sig ? 128 : 1), stdout: Buffer.concat(chunks), stderr });
    });
  });
}
