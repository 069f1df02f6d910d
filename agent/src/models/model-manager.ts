// The model manager: which models exist (manifests), which are installed (cache), and pulling, verifying and
// removing them. A model that is not in the cache is reported absent; nothing is substituted for it.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AgentError } from '../errors.js';
import { downloadModelFile, sha256OfFile, type DownloadProgress } from './download-model-file.js';
import { defaultManifestsDir, loadManifests, type ModelManifest } from './model-manifest.js';
import { analysisSettings, type AnalysisSettings } from '../config.js';

export interface ModelManagerOptions {
  manifestsDir: string;
  cacheDir: string;
  /** A directory or an http(s) URL prefix laid out as `<mirror>/<id>/<file>` (a directory may also be flat). */
  mirror?: string;
}

export interface ModelFileStatus {
  name: string;
  url: string;
  sha256?: string;
  sha256Source?: string;
  size?: number;
  present: boolean;
  /** Bytes of the file in the cache (0 when absent), and of a partial download waiting to be resumed. */
  bytesOnDisk: number;
  partialBytes: number;
  path: string;
}

export interface ModelStatus {
  id: string;
  task: ModelManifest['task'];
  runtime: ModelManifest['runtime'];
  description: string;
  licence: string;
  source: string;
  /** Every file is in the cache (checksums are checked by pull and verify, not here). */
  installed: boolean;
  /** Every file has a sha256 in the manifest. */
  pinned: boolean;
  files: ModelFileStatus[];
}

export type FileVerdict = 'ok' | 'missing' | 'corrupt';

export interface ModelVerification {
  id: string;
  ok: boolean;
  files: { name: string; verdict: FileVerdict; expected?: string; actual?: string }[];
}

export interface PullOptions {
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress & { id: string }) => void;
  /** Pull files whose manifest has no sha256; the hash seen is recorded so verify can notice later changes. */
  allowUnpinned?: boolean;
}

/** Hashes recorded at pull time: the reference for files the manifest does not pin. */
const pulledRecord = '.pulled.json';

export function defaultModelManagerOptions(
  settings: Pick<AnalysisSettings, 'modelsDir' | 'modelMirror' | 'modelManifests'> = analysisSettings(),
): ModelManagerOptions {
  return {
    manifestsDir: defaultManifestsDir(settings),
    cacheDir: path.resolve(settings.modelsDir),
    mirror: settings.modelMirror || undefined,
  };
}

export class ModelManager {
  private manifestsPromise?: Promise<ModelManifest[]>;

  constructor(readonly options: ModelManagerOptions) {}

  manifests(): Promise<ModelManifest[]> {
    this.manifestsPromise ??= loadManifests(this.options.manifestsDir);
    return this.manifestsPromise;
  }

  async manifest(id: string): Promise<ModelManifest> {
    const found = (await this.manifests()).find((m) => m.id === id);
    if (!found) throw new AgentError('NOT_FOUND', `no model manifest with id ${id}`);
    return found;
  }

  filePath(id: string, name: string): string {
    return path.join(this.options.cacheDir, id, name);
  }

  /** Where a file is fetched from: its canonical URL, or the mirror (`<mirror>/<id>/<file>`, or flat for a directory). */
  downloadSource(id: string, name: string, url: string): string {
    const mirror = this.options.mirror;
    if (!mirror) return url;
    if (/^https?:\/\//.test(mirror)) return `${mirror.replace(/\/+$/, '')}/${id}/${name}`;
    const nested = path.join(mirror, id, name);
    return existsSync(nested) ? nested : path.join(mirror, name);
  }

  async status(manifest: ModelManifest): Promise<ModelStatus> {
    const files = await Promise.all(
      manifest.files.map(async (f) => {
        const p = this.filePath(manifest.id, f.name);
        let present = false;
        let bytesOnDisk = 0;
        try {
          const s = await stat(p);
          present = s.isFile() && (f.size === undefined || s.size === f.size);
          bytesOnDisk = s.isFile() ? s.size : 0;
        } catch {
          present = false;
        }
        const partialBytes = await stat(`${p}.part`).then((s) => s.size, () => 0);
        return { name: f.name, url: f.url, sha256: f.sha256, sha256Source: f.sha256Source, size: f.size, present, bytesOnDisk, partialBytes, path: p };
      }),
    );
    return {
      id: manifest.id,
      task: manifest.task,
      runtime: manifest.runtime,
      description: manifest.description,
      licence: manifest.licence,
      source: manifest.source,
      installed: files.every((f) => f.present),
      pinned: manifest.files.every((f) => f.sha256 !== undefined),
      files,
    };
  }

  async listModels(): Promise<ModelStatus[]> {
    return Promise.all((await this.manifests()).map((m) => this.status(m)));
  }

  /** The manifest of a model that may be pulled as asked: NOT_FOUND for an unknown id, BAD_REQUEST for unpinned files. */
  async checkPullable(id: string, allowUnpinned = false): Promise<ModelManifest> {
    const manifest = await this.manifest(id);
    const unpinned = manifest.files.filter((f) => !f.sha256).map((f) => f.name);
    if (unpinned.length > 0 && !allowUnpinned) {
      throw new AgentError('BAD_REQUEST', `model ${id} has no published sha256 for ${unpinned.join(', ')}; pull it with allowUnpinned (--allow-unpinned) if you trust the source`);
    }
    return manifest;
  }

  async pullModel(id: string, opts: PullOptions = {}): Promise<ModelStatus> {
    const manifest = await this.checkPullable(id, opts.allowUnpinned);
    const record = await this.readPulledRecord(id);
    for (const f of manifest.files) {
      const dest = this.filePath(id, f.name);
      const current = await this.status(manifest);
      if (current.files.find((s) => s.name === f.name)?.present && (!f.sha256 || (await sha256OfFile(dest)) === f.sha256)) continue;
      const sha = await downloadModelFile({
        source: this.downloadSource(id, f.name, f.url),
        dest,
        sha256: f.sha256,
        size: f.size,
        signal: opts.signal,
        onProgress: (p) => opts.onProgress?.({ ...p, id }),
      });
      record[f.name] = sha;
      await this.writePulledRecord(id, record);
    }
    return this.status(manifest);
  }

  async verifyModels(ids?: string[]): Promise<ModelVerification[]> {
    const manifests = ids ? await Promise.all(ids.map((id) => this.manifest(id))) : await this.manifests();
    const out: ModelVerification[] = [];
    for (const m of manifests) {
      const record = await this.readPulledRecord(m.id);
      const files: ModelVerification['files'] = [];
      for (const f of m.files) {
        const p = this.filePath(m.id, f.name);
        const expected = f.sha256 ?? record[f.name];
        if (!existsSync(p)) {
          files.push({ name: f.name, verdict: 'missing', expected });
          continue;
        }
        const actual = await sha256OfFile(p);
        files.push({ name: f.name, verdict: expected && actual !== expected ? 'corrupt' : 'ok', expected, actual });
      }
      out.push({ id: m.id, ok: files.every((f) => f.verdict === 'ok'), files });
    }
    return out;
  }

  async removeModel(id: string): Promise<{ id: string; removed: boolean }> {
    await this.manifest(id);
    const dir = path.join(this.options.cacheDir, id);
    const removed = existsSync(dir);
    await rm(dir, { recursive: true, force: true });
    return { id, removed };
  }

  /** Paths of an installed model's files by file name; MODEL_MISSING (with the pull command) when absent. */
  async resolveModelFiles(id: string): Promise<Record<string, string>> {
    const status = await this.status(await this.manifest(id));
    if (!status.installed) {
      const missing = status.files.filter((f) => !f.present).map((f) => f.name);
      throw new AgentError('MODEL_MISSING', `model ${id} is not installed (missing ${missing.join(', ')}); run: mediafleet-agent models pull ${id}`, { model: id });
    }
    return Object.fromEntries(status.files.map((f) => [f.name, f.path]));
  }

  /** Installed models for a task, best first (manifest `quality`); test-only models only when asked by id. */
  async installedFor(task: ModelManifest['task'], runtime?: ModelManifest['runtime']): Promise<ModelManifest[]> {
    const candidates = (await this.manifests()).filter((m) => m.task === task && (!runtime || m.runtime === runtime) && m.autoSelect);
    const installed: ModelManifest[] = [];
    for (const m of candidates) if ((await this.status(m)).installed) installed.push(m);
    return installed.sort((a, b) => b.quality - a.quality);
  }

  private async readPulledRecord(id: string): Promise<Record<string, string>> {
    try {
      return JSON.parse(await readFile(path.join(this.options.cacheDir, id, pulledRecord), 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  private async writePulledRecord(id: string, record: Record<string, string>): Promise<void> {
    await mkdir(path.join(this.options.cacheDir, id), { recursive: true });
    await writeFile(path.join(this.options.cacheDir, id, pulledRecord), JSON.stringify(record, null, 2));
  }
}

let shared: ModelManager | undefined;

/** The manager configured from the environment (MEDIAFLEET_MODELS_DIR, MEDIAFLEET_MODEL_MIRROR). */
export function defaultModelManager(): ModelManager {
  shared ??= new ModelManager(defaultModelManagerOptions());
  return shared;
}

export const listModels = (): Promise<ModelStatus[]> => defaultModelManager().listModels();
export const pullModel = (id: string, opts?: PullOptions): Promise<ModelStatus> => defaultModelManager().pullModel(id, opts);
export const verifyModels = (ids?: string[]): Promise<ModelVerification[]> => defaultModelManager().verifyModels(ids);
export const removeModel = (id: string): Promise<{ id: string; removed: boolean }> => defaultModelManager().removeModel(id);
