// Content moderation: an nsfwjs model (bundled in the npm package, run on the tfjs wasm backend) scores the image
// on five classes; the rules file turns the scores into safe / suggestive / explicit.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readdir, stat } from 'node:fs/promises';
import type { NsfwSection } from '../../contracts/result-document.js';
import { resizeImageExact, type DecodedImage } from '../../media/decode-image.js';
import { loadTfjs } from '../../runtimes/tfjs/tfjs-wasm.js';
import { withStdoutBannersOnStderr } from '../../runtimes/tfjs/quiet-console.js';
import type { ImageAnalysisContext, ImageAnalyzer, ModelDescription } from '../image-analyzer.js';
import { decideNsfwVerdict, loadNsfwRules, nsfwModelNames, type NsfwRules } from './nsfw-rules.js';

const require = createRequire(import.meta.url);

type NsfwModelName = NsfwRules['model'];
type NsfwjsModule = typeof import('nsfwjs');
type NsfwjsModel = Awaited<ReturnType<NsfwjsModule['load']>>;

/** Input side of each bundled model (nsfwjs stretches the whole image to this square). */
const inputSize: Record<NsfwModelName, number> = { MobileNetV2: 224, MobileNetV2Mid: 224, InceptionV3: 299 };
/** Folder of each model's weights inside the nsfwjs package, for `describeModels`. */
const packageFolder: Record<NsfwModelName, string> = {
  MobileNetV2: 'mobilenet_v2',
  MobileNetV2Mid: 'mobilenet_v2_mid',
  InceptionV3: 'inception_v3',
};

const loadedModels = new Map<NsfwModelName, Promise<NsfwjsModel>>();
const readyModels = new Set<NsfwModelName>();

function loadNsfwModel(name: NsfwModelName): Promise<NsfwjsModel> {
  let model = loadedModels.get(name);
  if (!model) {
    model = (async () => {
      await loadTfjs();
      // The CommonJS build, through the same `require` as tfjs, so both use one tfjs instance.
      const nsfwjs = require('nsfwjs') as NsfwjsModule;
      const loaded = await withStdoutBannersOnStderr(() => nsfwjs.load(name));
      readyModels.add(name);
      return loaded;
    })();
    model.catch(() => loadedModels.delete(name));
    loadedModels.set(name, model);
  }
  return model;
}

export function nsfwModelId(name: NsfwModelName): string {
  return `nsfwjs/${name}`;
}

/** Class probabilities for one image with the given model. */
export async function scoreNsfw(image: DecodedImage, modelName: NsfwModelName): Promise<Record<string, number>> {
  const [tf, model] = await Promise.all([loadTfjs(), loadNsfwModel(modelName)]);
  const size = inputSize[modelName];
  // Resize with libvips first: handing a multi-megapixel tensor to tfjs would cost hundreds of MB.
  const small = await resizeImageExact(image, size, size);
  const input = tf.tensor3d(small.data, [size, size, 3], 'int32');
  try {
    const predictions = await model.classify(input, 5);
    const scores: Record<string, number> = {};
    for (const p of predictions) scores[p.className] = p.probability;
    return scores;
  } finally {
    input.dispose();
  }
}

async function folderBytes(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let total = 0;
  for (const name of names) total += (await stat(join(dir, name))).size;
  return total;
}

export const nsfwAnalyzer: ImageAnalyzer<NsfwSection> = {
  async analyze(image: DecodedImage, _ctx: ImageAnalysisContext) {
    const rules = await loadNsfwRules();
    const scores = await scoreNsfw(image, rules.model);
    const { verdict, reason } = decideNsfwVerdict(scores, rules.rules);
    const model = nsfwModelId(rules.model);
    return { section: { verdict, scores, model, reason }, model };
  },

  async warmUp() {
    const rules = await loadNsfwRules();
    await loadNsfwModel(rules.model);
  },

  async describeModels(): Promise<ModelDescription[]> {
    let modelsDir: string | undefined;
    try {
      modelsDir = join(dirname(require.resolve('nsfwjs')), '..', 'models');
    } catch {
      modelsDir = undefined;
    }
    const out: ModelDescription[] = [];
    for (const name of nsfwModelNames) {
      const bytes = modelsDir ? await folderBytes(join(modelsDir, packageFolder[name])) : 0;
      out.push({
        id: nsfwModelId(name),
        analysis: 'nsfw',
        runtime: 'tfjs-wasm',
        installed: bytes > 0,
        loaded: readyModels.has(name),
        bytes,
      });
    }
    return out;
  },
};
