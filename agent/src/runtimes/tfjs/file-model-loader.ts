// tfjs loads models through IO handlers chosen by URL. In the browser and with tfjs-node, `file://` works; on the
// wasm backend in Node it falls through to `fetch`, which cannot read files. This router reads a graph model's
// model.json and weight shards from disk instead, so packaged models load offline.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tfjs } from './tfjs-wasm.js';

type IORouter = Parameters<Tfjs['io']['registerLoadRouter']>[0];
type ModelJSON = import('@tensorflow/tfjs').io.ModelJSON;
type WeightsManifestConfig = import('@tensorflow/tfjs').io.WeightsManifestConfig;
type WeightsManifestEntry = import('@tensorflow/tfjs').io.WeightsManifestEntry;

const registered = new WeakSet<object>();

export function registerFileModelLoader(tf: Tfjs): void {
  if (registered.has(tf.io)) return;
  registered.add(tf.io);
  // tfjs's router type omits it, but returning null is how a router declines a URL.
  const fileRouter = (url: string | string[]) => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    return { load: () => loadModelArtifacts(tf, fileURLToPath(url)) };
  };
  tf.io.registerLoadRouter(fileRouter as IORouter);
}

async function loadModelArtifacts(tf: Tfjs, modelJsonPath: string) {
  const modelJson = JSON.parse(await readFile(modelJsonPath, 'utf8')) as ModelJSON;
  const baseDir = dirname(modelJsonPath);
  return tf.io.getModelArtifactsForJSON(modelJson, async (manifest: WeightsManifestConfig) => {
    const specs: WeightsManifestEntry[] = manifest.flatMap((group) => group.weights);
    const shards = await Promise.all(manifest.flatMap((group) => group.paths.map((p) => readFile(join(baseDir, p)))));
    const total = Buffer.concat(shards);
    // Copy into a standalone ArrayBuffer: a Buffer may be a view into a larger shared pool.
    const weightData = total.buffer.slice(total.byteOffset, total.byteOffset + total.byteLength);
    return [specs, weightData];
  });
}
