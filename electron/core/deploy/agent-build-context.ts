// Prepares the Docker build context for the agent image: the agent's sources, package.json, the health
// check and only the agent's production packages (no console-only packages like ssh2/dockerode/node-pty, no
// CUDA builds in the CPU image, no other platforms' binaries). Lean on purpose: vfs and `docker save` over
// SSH both pay for every byte. Files are hard-linked when possible, so preparing costs little disk.
//
// The bundled native modules (better-sqlite3, sharp, onnxruntime) are this machine's builds, so the image
// must be built on linux-x64 with the same Node major as the image's (Node 20); the console checks that.
import {
  copyFileSync, cpSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ConsoleError } from '../contracts/define.js';
import { parseDeployValues, type DeployValuesInput } from './deploy-bundle.js';
import { readTemplate, renderTemplate, templatesDir } from './render-templates.js';

/** Root dependencies the agent never loads: the console's SSH, Docker, terminal and settings packages. */
export const consoleOnlyPackages = new Set(['ssh2', 'dockerode', 'node-pty', 'electron-store', 'ws']);
/** GPU-only builds left out of the CPU image. */
const gpuOnlyPackage = /-(cuda|vulkan)$/;
/** Binaries for other systems inside otherwise needed packages. */
const foreignBinaryDir = /^onnxruntime-node\/bin\/napi-v\d+\/(darwin|win32|linux\/arm64)$/;
/** Source maps are a sixth of the packages' bytes and never read by the agent. */
const skippedFile = /\.map$/;

export interface AgentBuildContextOptions {
  repoRoot: string;
  outDir: string;
  flavor: 'cpu' | 'gpu';
  values: DeployValuesInput;
}

interface PackageJson {
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** Node's lookup: the nearest node_modules/<name> from `fromDir` up to the repository root. */
function resolvePackageDir(name: string, fromDir: string, repoRoot: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (resolve(dir) === resolve(repoRoot)) return undefined;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Directories (relative to repoRoot) of every package the agent needs at run time. */
export function agentPackageDirs(repoRoot: string, flavor: 'cpu' | 'gpu'): string[] {
  const root = readPackageJson(repoRoot);
  const wanted = (name: string) => !(flavor === 'cpu' && gpuOnlyPackage.test(name));
  const seen = new Set<string>();
  const queue: { name: string; from: string; optional: boolean }[] = Object.keys(root.dependencies ?? {})
    .filter((n) => !consoleOnlyPackages.has(n))
    .map((name) => ({ name, from: repoRoot, optional: false }));
  while (queue.length > 0) {
    const { name, from, optional } = queue.shift()!;
    if (!wanted(name)) continue;
    const dir = resolvePackageDir(name, from, repoRoot);
    if (!dir) {
      if (optional) continue; // optional and peer packages for other platforms are simply not installed
      throw new ConsoleError('AGENT_BUNDLE_INCOMPLETE', `package ${name} (needed from ${relative(repoRoot, from) || '.'}) is not installed; run npm install`);
    }
    if (seen.has(dir)) continue;
    seen.add(dir);
    const pkg = readPackageJson(dir);
    for (const dep of Object.keys(pkg.dependencies ?? {})) queue.push({ name: dep, from: dir, optional: false });
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) queue.push({ name: dep, from: dir, optional: true });
    for (const dep of Object.keys(pkg.peerDependencies ?? {})) queue.push({ name: dep, from: dir, optional: true });
  }
  // A nested package is copied with its parent; keep only the outermost directories.
  const dirs = [...seen].map((d) => relative(repoRoot, d)).sort();
  return dirs.filter((d, i) => !dirs.slice(0, i).some((p) => d.startsWith(p + '/')));
}

/**
 * Copies a tree, hard-linking files when source and destination share a filesystem (the context then costs
 * no extra disk and takes a moment even for a gigabyte). `skipDir` gets paths relative to `root`.
 */
function copyTree(src: string, dest: string, root = src, skipDir?: RegExp): void {
  mkdirSync(dest, { recursive: true });
  for (const entry of readdirSync(src, { withFileTypes: true })) {
    const from = join(src, entry.name);
    const to = join(dest, entry.name);
    if (entry.isDirectory()) {
      if (skipDir?.test(relative(root, from))) continue;
      copyTree(from, to, root, skipDir);
    } else if (entry.isSymbolicLink()) {
      symlinkSync(readlinkSync(from), to);
    } else if (entry.isFile() && !skippedFile.test(entry.name)) {
      try {
        linkSync(from, to);
      } catch {
        copyFileSync(from, to);
      }
    }
  }
}

export interface AgentBuildContext {
  dir: string;
  dockerfile: string;
  packages: number;
  bytes: number;
}

export function prepareAgentBuildContext(opts: AgentBuildContextOptions): AgentBuildContext {
  const values = parseDeployValues(opts.values);
  const { repoRoot, outDir } = opts;
  rmSync(outDir, { recursive: true, force: true });
  const app = join(outDir, 'app');
  mkdirSync(join(outDir, 'data'), { recursive: true });
  mkdirSync(app, { recursive: true });

  const packageDirs = agentPackageDirs(repoRoot, opts.flavor);
  const modulesRoot = join(repoRoot, 'node_modules');
  for (const d of packageDirs) copyTree(join(repoRoot, d), join(app, d), modulesRoot, foreignBinaryDir);

  copyTree(join(repoRoot, 'agent'), join(app, 'agent'));
  removeMatching(join(app, 'agent'), /\.(test|fleet\.test)\.ts$/);
  if (existsSync(join(repoRoot, 'models'))) copyTree(join(repoRoot, 'models'), join(app, 'models'));
  const rootPkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
  // Only what Node needs at run time ("type": "module"); no scripts, no dev dependencies.
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'mediafleet-agent', version: values.agentVersion, private: true, type: rootPkg.type ?? 'module' }, null, 2));
  if (existsSync(join(repoRoot, 'tsconfig.json'))) cpSync(join(repoRoot, 'tsconfig.json'), join(app, 'tsconfig.json'));
  cpSync(join(templatesDir, 'healthcheck.mjs'), join(app, 'healthcheck.mjs'));

  const dockerfileName = opts.flavor === 'cpu' ? 'Dockerfile.cpu' : 'Dockerfile.gpu';
  const dockerfile = renderTemplate(readTemplate(dockerfileName), { ...values }, dockerfileName);
  writeFileSync(join(outDir, 'Dockerfile'), dockerfile);
  writeFileSync(join(outDir, '.dockerignore'), 'Dockerfile\n.dockerignore\n');
  return { dir: outDir, dockerfile, packages: packageDirs.length, bytes: treeBytes(outDir) };
}

function removeMatching(dir: string, pattern: RegExp): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) removeMatching(p, pattern);
    else if (pattern.test(entry.name)) rmSync(p);
  }
}

function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) total += treeBytes(p);
    else if (entry.isFile()) total += statSync(p).size;
  }
  return total;
}
