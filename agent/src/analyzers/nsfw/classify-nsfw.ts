// Content moderation: an nsfwjs model (bundled in the npm package, run on the tfjs wasm backend) scores the image
// on five classes; the rules file turns the scores into safe / suggestive / explicit.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { runInNewContext } from 'node:vm';
import type { NsfwSection } from '../../contracts/result-document.js';
import { AgentError } from '../../errors.js';
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

/** How each bundled model was converted (nsfwjs's own model definitions say the same). */
const modelFormat: Record<NsfwModelName, 'graph' | 'layers'> = { MobileNetV2: 'layers', MobileNetV2Mid: 'graph', InceptionV3: 'layers' };
/**
 * The bundled models ship as browserify bundles (`model.min.js`, `group1-shardNofM.min.js`) holding the model JSON
 * and base64 weights. nsfwjs `require`s them, which under tsx (dev, tests, worker threads) sends 6-30 MB of
 * JavaScript through esbuild: tens of seconds per load. Evaluating the same files in a bare VM context and
 * decoding the base64 with Node's Buffer gives the same bytes in well under a second.
 */
function evaluateBundle(path: string): unknown {
  const module = { exports: {} as unknown };
  runInNewContext(readFileSync(path, 'utf8'), { module, exports: module.exports }, { filename: path });
  // Objects made in another VM context fail tfjs's `instanceof` checks; a JSON round trip brings them into ours.
  return typeof module.exports === 'string' ? module.exports : JSON.parse(JSON.stringify(module.exports));
}

function nsfwModelsDir(): string {
  return join(dirname(require.resolve('nsfwjs')), '..', 'models');
}

function bundledModelArtifacts(tf: Awaited<ReturnType<typeof loadTfjs>>, name: NsfwModelName) {
  const dir = join(nsfwModelsDir(), packageFolder[name]);
  let modelJson: import('@tensorflow/tfjs').io.ModelJSON;
  try {
    modelJson = evaluateBundle(join(dir, 'model.min.js')) as import('@tensorflow/tfjs').io.ModelJSON;
  } catch (err) {
    throw new AgentError('MODEL_MISSING', `nsfwjs ${name} model is not installed: ${(err as Error).message}`);
  }
  const manifest = modelJson.weightsManifest ?? [];
  const shards = manifest.flatMap((group) => group.paths.map((p) => Buffer.from(evaluateBundle(join(dir, `${p}.min.js`)) as string, 'base64')));
  const weights = Buffer.concat(shards);
  return tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy,
    weightSpecs: manifest.flatMap((group) => group.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  });
}

const loadedModels = new Map<NsfwModelName, Promise<NsfwjsModel>>();
const readyModels = new Set<NsfwModelName>();

function loadNsfwModel(name: NsfwModelName): Promise<NsfwjsModel> {
  let model = loadedModels.get(name);
  if (!model) {
    model = (async () => {
      const tf = await loadTfjs();
      // The CommonJS build, through the same `require` as tfjs, so both use one tfjs instance.
      const { NSFWJS } = require('nsfwjs') as NsfwjsModule;
      const model = new NSFWJS(bundledModelArtifacts(tf, name), { size: inputSize[name], type: modelFormat[name] });
      await withStdoutBannersOnStderr(() => model.load());
      readyModels.add(name);
      return model;
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
      modelsDir = nsfwModelsDir();
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
