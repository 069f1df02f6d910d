// What this machine offers for GPU work, read once per process: the NVIDIA GPUs nvidia-smi lists, and the CUDA
// libraries the dynamic loader can find (the CUDA builds of whisper.cpp and onnxruntime need libcudart/libcublas,
// onnxruntime's CUDA provider also cuDNN). Synchronous and cached so a worker thread can ask before it loads a
// runtime; nvidia-smi is bounded by a timeout (a wedged driver must not hang the agent's start).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

export interface GpuDevice {
  name: string;
  memoryMb: number | null;
  driver: string | null;
}

export interface GpuFacts {
  gpus: GpuDevice[];
  /** Why no GPU was found (no driver, nvidia-smi failed); null when the listing worked. */
  probeError: string | null;
  /** Shared-library file names the loader can find, e.g. libcudart.so.12. */
  libraries: ReadonlySet<string>;
}

export type RunCommand = (file: string, args: readonly string[]) => string;

const runCommand: RunCommand = (file, args) => execFileSync(file, args, { encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'pipe'] });

/** `nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits` → devices. */
export function parseNvidiaSmi(text: string): GpuDevice[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [name = '', memory, driver] = line.split(',').map((s) => s.trim());
      const memoryMb = Number(memory);
      return { name, memoryMb: Number.isFinite(memoryMb) && memory !== '' ? memoryMb : null, driver: driver || null };
    })
    .filter((g) => g.name !== '');
}

/** `ldconfig -p` lines such as "\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.12". */
export function parseLdconfig(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+\.so[.\d]*)\s+\(/.exec(line);
    if (m) names.push(m[1]!);
  }
  return names;
}

function librariesIn(dirs: readonly string[]): string[] {
  const found: string[] = [];
  for (const dir of dirs) {
    if (!dir || !existsSync(dir)) continue;
    try {
      for (const f of readdirSync(dir)) if (/\.so(\.\d+)*$/.test(f)) found.push(f);
    } catch {
      // An unreadable directory holds nothing we can load either.
    }
  }
  return found;
}

export function probeGpuFacts(run: RunCommand = runCommand, env: NodeJS.ProcessEnv = process.env): GpuFacts {
  let gpus: GpuDevice[] = [];
  let probeError: string | null = null;
  try {
    gpus = parseNvidiaSmi(run('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader,nounits']));
    if (gpus.length === 0) probeError = 'nvidia-smi lists no GPU';
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    probeError =
      e.code === 'ENOENT'
        ? 'no NVIDIA driver on this machine (nvidia-smi not found)'
        : `nvidia-smi failed: ${(e.stderr || e.message || String(err)).trim().split('\n')[0]}`;
  }
  const libraries = new Set<string>();
  for (const ldconfig of ['ldconfig', '/sbin/ldconfig']) {
    try {
      for (const name of parseLdconfig(run(ldconfig, ['-p']))) libraries.add(name);
      break;
    } catch {
      // Not on PATH: try the next place, then the directories below.
    }
  }
  for (const name of librariesIn([...(env.LD_LIBRARY_PATH ?? '').split(':'), '/usr/local/cuda/lib64', '/usr/local/nvidia/lib64'])) libraries.add(name);
  return { gpus, probeError, libraries };
}

let cached: GpuFacts | undefined;

/** This process's facts, probed on first use. */
export function gpuFacts(): GpuFacts {
  cached ??= probeGpuFacts();
  return cached;
}
