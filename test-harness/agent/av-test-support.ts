// Shared by the audio/video tests: a model manager whose cache is filled from ../shared/models (the mirror a
// server without internet would use), and small media files made with ffmpeg.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveMediaTools } from '../../agent/src/media/av/media-tools.js';
import { ModelManager } from '../../agent/src/models/model-manager.js';
import { defaultManifestsDir } from '../../agent/src/models/model-manifest.js';
import { fixturesDir, sharedModelsDir } from '../shared-folder.js';

export { fixturesDir as fixtures, sharedModelsDir as sharedModels };
export const agent = { id: 'test-agent', version: '0.0.0-test' };

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A fresh cache with the given models pulled from the shared models folder through the real pull path. */
export async function managerWithModels(ids: string[]): Promise<ModelManager> {
  const manager = new ModelManager({ manifestsDir: defaultManifestsDir({}), cacheDir: tempDir('mf-av-models-'), mirror: sharedModelsDir });
  for (const id of ids) await manager.pullModel(id);
  return manager;
}

/** Runs ffmpeg to make a test input; throws with ffmpeg's message if it fails. */
export function makeMedia(args: string[]): void {
  const { ffmpeg } = resolveMediaTools();
  const run = spawnSync(ffmpeg, ['-nostdin', '-hide_banner', '-v', 'error', '-y', ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${run.stderr}`);
}
