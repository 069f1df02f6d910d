// Model manifests: one JSON file per model in the top-level `models/` folder, validated with zod so a typo in a
// manifest fails at load time with the file's name, not later as a wrong download.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { analysisSettings, type AnalysisSettings } from '../config.js';

export const ModelFile = z.object({
  /** File name inside the model's cache folder. */
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a plain file name'),
  /** Canonical release address. */
  url: z.string().url(),
  /** Left out only when no checksum is published that we could confirm; pulling then needs allowUnpinned. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  size: z.number().int().positive().optional(),
  /** Where the pinned sha256 and size were read (a checksum list, a Git LFS pointer of the same file…). */
  sha256Source: z.string().optional(),
});
export type ModelFile = z.infer<typeof ModelFile>;

export const ModelManifest = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  task: z.enum(['vad', 'asr', 'speaker-embedding', 'speaker-segmentation']),
  runtime: z.enum(['sherpa-onnx', 'whisper.cpp', 'onnxruntime']),
  description: z.string(),
  files: z.array(ModelFile).min(1),
  licence: z.string(),
  source: z.string(),
  language: z.string().optional(),
  /** For automatic engine choice: higher is better. Test-only models set autoSelect false. */
  quality: z.number().int().default(0),
  autoSelect: z.boolean().default(true),
  /** Offered for download by the set-up (`models setup`): the default Whisper model and the VAD it uses. */
  setupOffer: z.boolean().default(false),
  /** What the model expects as input, e.g. "16 kHz mono float32". */
  input: z.string().optional(),
  notes: z.string().optional(),
});
export type ModelManifest = z.infer<typeof ModelManifest>;

/** The repository's `models/` folder; MEDIAFLEET_MODEL_MANIFESTS overrides it (packaged installs, tests). */
export function defaultManifestsDir(settings: Pick<AnalysisSettings, 'modelManifests'> = analysisSettings()): string {
  if (settings.modelManifests) return path.resolve(settings.modelManifests);
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../models');
}

export async function loadManifests(dir: string): Promise<ModelManifest[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  const manifests: ModelManifest[] = [];
  for (const name of names) {
    const raw: unknown = JSON.parse(await readFile(path.join(dir, name), 'utf8'));
    const parsed = ModelManifest.safeParse(raw);
    if (!parsed.success) throw new Error(`invalid model manifest ${name}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (`${parsed.data.id}.json` !== name) throw new Error(`model manifest ${name} declares id ${parsed.data.id}; the file must be named after its id`);
    manifests.push(parsed.data);
  }
  return manifests;
}
