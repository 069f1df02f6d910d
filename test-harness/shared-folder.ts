// Where the shared folder lives for tests: `../shared` beside the checkout (fixtures, small models, specs; see
// DESIGN). Found from this file's place in the repository, never from the working directory or an absolute path,
// so a test reads the same files whether vitest runs from the root, a worktree or a clean CI root.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const sharedDir = path.resolve(repoRoot, '../shared');
/** Real media with ground truth (`../shared/fixtures`, see its README). */
export const fixturesDir = path.join(sharedDir, 'fixtures');
/** Model files no package ships (Silero VAD, the whisper.cpp test model), served to the model manager as a mirror. */
export const sharedModelsDir = path.join(sharedDir, 'models');

/** A file under ../shared/fixtures, e.g. `fixture('audio', 'jfk.wav')`. */
export function fixture(...parts: string[]): string {
  return path.join(fixturesDir, ...parts);
}

/** A file under ../shared/models. */
export function sharedModel(name: string): string {
  return path.join(sharedModelsDir, name);
}

/** Why a test that needs a shared model file must skip, or undefined when the file is there. */
export function missingSharedModel(name: string): string | undefined {
  return existsSync(sharedModel(name)) ? undefined : `needs ../shared/models/${name} beside the checkout`;
}
