// Where the ffmpeg and ffprobe binaries are, and how to run them safely: argv arrays (no shell), a wall-clock
// time limit, an address-space limit through prlimit(1), cancellation by AbortSignal, and bounded output.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AgentError } from '../../errors.js';
import { analysisSettings, type AnalysisSettings } from '../../config.js';

export interface MediaToolPaths {
  ffmpeg: string;
  ffprobe: string;
}

/** Where a tool came from: named by a setting, the system's (PATH, e.g. Debian `ffmpeg`), or an npm package's static build. */
export type MediaToolSource = 'configured' | 'system' | 'bundled';

export interface MediaToolInfo {
  path: string;
  source: MediaToolSource;
  /** As the tool prints it: "5.1.9-0+deb12u1" (Debian), "N-47683-g0e8eb07980-static" (a git snapshot). */
  version: string;
  /** libavformat's version, "59.27.100": comparable across builds, unlike snapshot version names. */
  libavformat?: string;
}

export interface MediaToolsInUse {
  ffmpeg: MediaToolInfo;
  ffprobe: MediaToolInfo;
}

type ToolName = 'ffmpeg' | 'ffprobe';

/** What decides the tools: MEDIAFLEET_FFMPEG / MEDIAFLEET_FFPROBE (from config.ts) and the PATH searched for the system's pair. */
export interface MediaToolSettings extends Partial<Pick<AnalysisSettings, 'ffmpeg' | 'ffprobe'>> {
  searchPath?: string;
}

function currentToolSettings(): MediaToolSettings {
  const { ffmpeg, ffprobe } = analysisSettings();
  return { ffmpeg, ffprobe, searchPath: process.env.PATH };
}

function firstOnPath(name: string, searchPath: string | undefined = process.env.PATH): string | undefined {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The static build an npm package ships: @ffmpeg-installer/ffmpeg and @ffprobe-installer/ffprobe. */
function fromInstallerPackage(tool: ToolName): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const installed = require(tool === 'ffmpeg' ? '@ffmpeg-installer/ffmpeg' : '@ffprobe-installer/ffprobe') as { path?: string };
    return installed.path && existsSync(installed.path) ? installed.path : undefined;
  } catch {
    return undefined;
  }
}

const versionCache = new Map<string, { version: string; libavformat?: string } | undefined>();

/** `<tool> -version` read once per binary; undefined when it does not run (a broken or foreign binary). */
export function readToolVersion(binary: string): { version: string; libavformat?: string } | undefined {
  if (versionCache.has(binary)) return versionCache.get(binary);
  const run = spawnSync(binary, ['-version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
  let found: { version: string; libavformat?: string } | undefined;
  if (run.status === 0) {
    const version = /^\S+ version (\S+)/m.exec(run.stdout)?.[1] ?? 'unknown';
    const lavf = /^libavformat\s+(\d+)\.\s*(\d+)\.\s*(\d+)/m.exec(run.stdout);
    found = { version, libavformat: lavf ? `${lavf[1]}.${lavf[2]}.${lavf[3]}` : undefined };
  }
  versionCache.set(binary, found);
  return found;
}

/** Negative when a is older than b; builds whose version cannot be read count as oldest. */
export function compareLibavformat(a: string | undefined, b: string | undefined): number {
  const parts = (v: string | undefined) => (v ?? '-1.0.0').split('.').map(Number);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

const missingToolHelp: Record<ToolName, string> = {
  ffmpeg: 'run scripts/setup.sh (installs Debian ffmpeg), or `npm install` (brings @ffmpeg-installer/ffmpeg), or set MEDIAFLEET_FFMPEG to an ffmpeg binary',
  ffprobe: 'run scripts/setup.sh (installs Debian ffmpeg), or `npm install` (brings @ffprobe-installer/ffprobe), or set MEDIAFLEET_FFPROBE to an ffprobe binary',
};

export function missingMediaTool(tool: ToolName, detail?: string): AgentError {
  return new AgentError('MEDIA_TOOL_MISSING', `${tool} ${detail ?? 'is not installed'}: ${missingToolHelp[tool]}`, { tool });
}

function describe(binary: string, source: MediaToolSource): MediaToolInfo | undefined {
  const v = readToolVersion(binary);
  return v ? { path: binary, source, ...v } : undefined;
}

type Choice = { ffmpeg: MediaToolInfo | AgentError; ffprobe: MediaToolInfo | AgentError };
const chosen = new Map<string, Choice>();

function choiceFor(settings: MediaToolSettings): Choice {
  const key = [settings.ffmpeg, settings.ffprobe, settings.searchPath].join('\0');
  let choice = chosen.get(key);
  if (!choice) {
    choice = chooseMediaTools(settings);
    chosen.set(key, choice);
  }
  return choice;
}

/**
 * Which ffmpeg and ffprobe run, decided once per setting:
 * - MEDIAFLEET_FFMPEG / MEDIAFLEET_FFPROBE name them (ffprobe otherwise next to a named ffmpeg);
 * - else the system's pair (PATH; Debian `ffmpeg` ships both) when its ffmpeg is at least as new as the npm
 *   package's static build (compared by libavformat version), because the bundled one is a 2018 snapshot;
 * - else the npm packages' builds, each falling back to the other source when one is absent.
 * Throws MEDIA_TOOL_MISSING, with the ways to install it, when a tool is nowhere.
 */
export function mediaToolsInUse(settings: MediaToolSettings = currentToolSettings()): MediaToolsInUse {
  const { ffmpeg, ffprobe } = choiceFor(settings);
  if (ffmpeg instanceof AgentError) throw ffmpeg;
  if (ffprobe instanceof AgentError) throw ffprobe;
  return { ffmpeg, ffprobe };
}

/** For /v1/info: each tool that runs, or null and why not. */
export function describeMediaTools(settings: MediaToolSettings = currentToolSettings()): {
  ffmpeg: MediaToolInfo | null;
  ffprobe: MediaToolInfo | null;
  problems: string[];
} {
  const { ffmpeg, ffprobe } = choiceFor(settings);
  return {
    ffmpeg: ffmpeg instanceof AgentError ? null : ffmpeg,
    ffprobe: ffprobe instanceof AgentError ? null : ffprobe,
    problems: [ffmpeg, ffprobe].filter((t): t is AgentError => t instanceof AgentError).map((e) => e.message),
  };
}

function chooseMediaTools(settings: MediaToolSettings): Choice {
  const system = { ffmpeg: firstOnPath('ffmpeg', settings.searchPath), ffprobe: firstOnPath('ffprobe', settings.searchPath) };
  const bundled = { ffmpeg: fromInstallerPackage('ffmpeg'), ffprobe: fromInstallerPackage('ffprobe') };
  const systemInfo = system.ffmpeg ? describe(system.ffmpeg, 'system') : undefined;
  const bundledInfo = bundled.ffmpeg ? describe(bundled.ffmpeg, 'bundled') : undefined;
  const preferSystem = systemInfo !== undefined && (bundledInfo === undefined || compareLibavformat(systemInfo.libavformat, bundledInfo.libavformat) >= 0);

  let ffmpeg: MediaToolInfo | AgentError | undefined;
  if (settings.ffmpeg) {
    ffmpeg = describe(settings.ffmpeg, 'configured') ?? missingMediaTool('ffmpeg', `named by MEDIAFLEET_FFMPEG (${settings.ffmpeg}) does not run`);
  } else {
    ffmpeg = (preferSystem ? systemInfo : (bundledInfo ?? systemInfo)) ?? missingMediaTool('ffmpeg');
  }

  let ffprobe: MediaToolInfo | AgentError | undefined;
  if (settings.ffprobe) {
    ffprobe = describe(settings.ffprobe, 'configured') ?? missingMediaTool('ffprobe', `named by MEDIAFLEET_FFPROBE (${settings.ffprobe}) does not run`);
  } else {
    const source: MediaToolSource = ffmpeg instanceof AgentError ? 'bundled' : ffmpeg.source;
    const sibling = ffmpeg instanceof AgentError ? undefined : path.join(path.dirname(ffmpeg.path), 'ffprobe');
    // Same source as ffmpeg first, so the pair matches; the other source only when that one has no ffprobe.
    const order: [string | undefined, MediaToolSource][] =
      source === 'configured'
        ? [[sibling && existsSync(sibling) ? sibling : undefined, 'configured'], [system.ffprobe, 'system'], [bundled.ffprobe, 'bundled']]
        : source === 'system'
          ? [[system.ffprobe, 'system'], [bundled.ffprobe, 'bundled']]
          : [[bundled.ffprobe, 'bundled'], [system.ffprobe, 'system']];
    for (const [candidate, from] of order) {
      ffprobe = candidate ? describe(candidate, from) : undefined;
      if (ffprobe) break;
    }
    ffprobe ??= missingMediaTool('ffprobe');
  }
  return { ffmpeg, ffprobe };
}

/** The binaries to run (see mediaToolsInUse for the choice). */
export function resolveMediaTools(settings: MediaToolSettings = currentToolSettings()): MediaToolPaths {
  const tools = mediaToolsInUse(settings);
  return { ffmpeg: tools.ffmpeg.path, ffprobe: tools.ffprobe.path };
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
  // A binary removed after it was chosen (an uninstall while the agent runs) is a missing tool, not a bug; under
  // prlimit it would otherwise read as a failed run of a damaged file.
  const tool = path.basename(binary);
  if (!existsSync(binary) && (tool === 'ffmpeg' || tool === 'ffprobe')) return Promise.reject(missingMediaTool(tool, `is gone from ${binary}`));
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
