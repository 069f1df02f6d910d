// analyzeFile end to end on the real fixtures with the real models: the facts in ../shared/fixtures/expected.json
// (with tolerances), the result document's shape, cancellation, progress, bad files, and a run in a worker thread.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultDocument, type Face } from '../contracts/result-document.js';
import { sha256OfFile } from '../media/sniff-media.js';
import { analyzeFile, describeInstalledModels, shutdownAnalyzers, warmUpModels } from './analyze-file.js';
import { cosineSimilarity as cosine } from './faces/cosine-similarity.js';
import { fixturesDir } from '../../../test-harness/shared-folder.js';

const fixtures = fixturesDir;
const agent = { id: 'test-agent', version: '0.0.0-test' };
const imageNames = ['messi5.jpg', 'basketball1.png', 'astronaut.png', 'page.png', 'imageTextN.png', 'starry_night.jpg', 'chelsea.png', 'coffee.png'];
type Expected = Record<string, Record<string, unknown>>;

const docs: Record<string, ResultDocument> = {};
// Read at collection time: which fixtures get which assertions comes from this file.
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as Expected;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mediafleet-analyze-'));
  await warmUpModels();
  for (const name of imageNames) {
    docs[name] = await analyzeFile(join(fixtures, 'images', name), { agent, includeEmbeddings: true });
    const t = docs[name].timings;
    console.info(
      `${name.padEnd(18)} ${Object.entries(t)
        .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
        .join(', ')}`,
    );
  }
});

afterAll(async () => {
  await shutdownAnalyzers();
  await rm(tmp, { recursive: true, force: true });
});

const facts = (name: string) => expected[`images/${name}`];

/** Faces at least a quarter the area of the largest: the people a viewer would say are "in" the photo. */
function mainFaces(faces: Face[]): Face[] {
  const area = (f: Face) => f.box.width * f.box.height;
  const largest = Math.max(0, ...faces.map(area));
  return faces.filter((f) => area(f) >= largest / 4);
}


describe('result documents for the image fixtures', () => {
  it.each(imageNames)('%s: a valid document with media facts from the content, timings and models', async (name) => {
    const doc = docs[name];
    expect(ResultDocument.parse(doc)).toEqual(doc);
    const meta = await sharp(join(fixtures, 'images', name)).metadata();
    expect(doc.media).toMatchObject({
      kind: 'image',
      mime: name.endsWith('.jpg') ? 'image/jpeg' : 'image/png',
      width: meta.width,
      height: meta.height,
      sha256: await sha256OfFile(join(fixtures, 'images', name)),
    });
    expect(Object.keys(doc.timings).sort()).toEqual(['decode', 'faces', 'nsfw', 'ocr', 'pose']);
    for (const ms of Object.values(doc.timings)) expect(ms).toBeGreaterThan(0);
    expect(doc.models).toMatchObject({
      nsfw: 'nsfwjs/MobileNetV2Mid',
      faces: expect.stringMatching(/^human\/.*faceres/),
      pose: 'human/movenet-multipose',
      ocr: expect.stringMatching(/PP-OCRv4/),
    });
    expect(doc.agent).toEqual(agent);
  });

  it.each(imageNames)('%s: moderation verdict is "safe"', (name) => {
    expect(facts(name).nsfw).toBe('safe');
    expect(docs[name].nsfw).toMatchObject({ verdict: 'safe', model: 'nsfwjs/MobileNetV2Mid' });
    const scores = docs[name].nsfw!.scores;
    expect(Object.keys(scores).sort()).toEqual(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
    expect(Object.values(scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
  });

  it('starry_night.jpg (a painting) scores high on the drawing/artwork class', () => {
    expect(docs['starry_night.jpg'].nsfw!.scores.Drawing).toBeGreaterThan(0.3);
  });

  it.each(imageNames.filter((n) => typeof facts(n).faces === 'number'))('%s: face count as expected', (name) => {
    expect(docs[name].faces).toHaveLength(facts(name).faces as number);
  });

  it('messi5.jpg: one main face (the crowd behind is blurred), one main person whose pose is found', () => {
    const doc = docs['messi5.jpg'];
    expect(mainFaces(doc.faces!)).toHaveLength(facts('messi5.jpg').main_faces as number);
    expect(doc.pose!.length).toBeGreaterThanOrEqual(facts('messi5.jpg').persons_min as number);
    const player = doc.pose![0];
    expect(player.keypoints.filter((k) => k.score > 0.3).length).toBeGreaterThanOrEqual(10);
    // The player's nose keypoint lies on his detected face.
    const face = mainFaces(doc.faces!)[0];
    const nose = player.keypoints.find((k) => k.name === 'nose')!;
    expect(nose.x).toBeGreaterThan(face.box.x);
    expect(nose.x).toBeLessThan(face.box.x + face.box.width);
    expect(nose.y).toBeGreaterThan(face.box.y);
    expect(nose.y).toBeLessThan(face.box.y + face.box.height);
  });

  it('basketball1.png: one frontal face and two people with poses', () => {
    const doc = docs['basketball1.png'];
    expect(doc.faces).toHaveLength(facts('basketball1.png').frontal_faces as number);
    expect(doc.pose).toHaveLength(facts('basketball1.png').pose_persons as number);
    // Two different people: one on the left half of the frame, one on the right.
    const centres = doc.pose!.map((p) => p.box.x + p.box.width / 2).sort((a, b) => a - b);
    expect(centres[0]).toBeLessThan(320);
    expect(centres[1]).toBeGreaterThan(320);
  });

  it('astronaut.png: one smiling face with age, gender, landmarks and a 1024-d embedding; one person', () => {
    const doc = docs['astronaut.png'];
    expect(doc.faces).toHaveLength(1);
    const face = doc.faces![0];
    expect(face.emotion!.label).toBe(facts('astronaut.png').face_expression);
    expect(face.score).toBeGreaterThan(0.8);
    expect(face.age).toBeGreaterThan(15);
    expect(face.age).toBeLessThan(70);
    expect(['male', 'female']).toContain(face.gender!.label);
    expect(face.embedding).toHaveLength(1024);
    for (const name of ['leftEye', 'rightEye', 'nose', 'mouth']) {
      const p = face.landmarks![name];
      expect(p.x).toBeGreaterThan(face.box.x);
      expect(p.x).toBeLessThan(face.box.x + face.box.width);
    }
    // Upright face: eyes above the nose, nose above the mouth.
    expect(face.landmarks!.leftEye.y).toBeLessThan(face.landmarks!.nose.y);
    expect(face.landmarks!.nose.y).toBeLessThan(face.landmarks!.mouth.y);
    expect(doc.pose).toHaveLength(facts('astronaut.png').persons as number);
  });

  it.each(imageNames.filter((n) => facts(n).persons === 0))('%s: nobody in the picture, no pose', (name) => {
    expect(docs[name].pose).toEqual([]);
  });

  it('pose keypoints are named and in the image’s pixel coordinates', () => {
    for (const name of ['messi5.jpg', 'basketball1.png']) {
      const { width, height } = docs[name].media;
      for (const person of docs[name].pose!) {
        for (const k of person.keypoints) {
          expect(k.name).toMatch(/^(nose|left|right)/);
          expect(k.x).toBeGreaterThanOrEqual(0);
          expect(k.x).toBeLessThanOrEqual(width!);
          expect(k.y).toBeGreaterThanOrEqual(0);
          expect(k.y).toBeLessThanOrEqual(height!);
        }
      }
    }
  });

  it('messi5.jpg: the text on the shirt reads "unicef"', () => {
    for (const word of facts('messi5.jpg').text_contains as string[]) {
      expect(docs['messi5.jpg'].ocr!.text.toLowerCase()).toContain(word);
    }
  });

  it('the same person is closer to themself in another copy than to someone else (embeddings are usable for search)', async () => {
    const smaller = join(tmp, 'messi-small.png');
    await sharp(join(fixtures, 'images', 'messi5.jpg')).resize(438).png().toFile(smaller);
    const again = await analyzeFile(smaller, { agent, analyses: ['faces'], includeEmbeddings: true });
    const messi = mainFaces(docs['messi5.jpg'].faces!)[0].embedding!;
    const messiAgain = mainFaces(again.faces!)[0].embedding!;
    const astronaut = docs['astronaut.png'].faces![0].embedding!;
    const same = cosine(messi, messiAgain);
    const other = cosine(messi, astronaut);
    console.info(`face similarity: same person ${same.toFixed(3)}, different person ${other.toFixed(3)}`);
    expect(same).toBeGreaterThan(other + 0.1);
  });
});

describe('large images', () => {
  it('are reduced for the models, with every box mapped back to the original pixels', async () => {
    // messi5.jpg enlarged 4x (2192x1368): above the faces/pose (1920) and OCR (1600) working sizes.
    const big = join(tmp, 'messi-x4.png');
    await sharp(join(fixtures, 'images', 'messi5.jpg')).resize(548 * 4).png({ compressionLevel: 1 }).toFile(big);
    const doc = await analyzeFile(big, { agent, analyses: ['faces', 'pose', 'ocr'] });
    console.info(`messi x4 timings: ${JSON.stringify(doc.timings)}`);
    const small = docs['messi5.jpg'];
    expect(doc.media).toMatchObject({ width: 2192, height: 1368 });
    const near = (a: number, b: number, tol: number) => expect(Math.abs(a - b)).toBeLessThan(tol);
    const face = mainFaces(doc.faces!)[0].box;
    const face1 = mainFaces(small.faces!)[0].box;
    near(face.x, face1.x * 4, 20);
    near(face.y, face1.y * 4, 20);
    near(face.width, face1.width * 4, 32);
    const person = doc.pose![0].box;
    near(person.x + person.width / 2, (small.pose![0].box.x + small.pose![0].box.width / 2) * 4, 64);
    const logo = doc.ocr!.lines.find((l) => l.text.toLowerCase().includes('unicef'))!.box;
    const logo1 = small.ocr!.lines.find((l) => l.text.toLowerCase().includes('unicef'))!.box;
    near(logo.x, logo1.x * 4, 24);
    near(logo.y, logo1.y * 4, 24);
  });
});

describe('analyzeFile behaviour', () => {
  it('does not leak tensors from one image to the next', async () => {
    const { loadTfjs } = await import('../runtimes/tfjs/tfjs-wasm.js');
    const tf = await loadTfjs();
    const path = join(fixtures, 'images', 'basketball1.png');
    await analyzeFile(path, { agent, analyses: ['nsfw', 'faces', 'pose'] });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await analyzeFile(path, { agent, analyses: ['nsfw', 'faces', 'pose'] });
    expect(tf.memory().numTensors).toBe(before);
  });

  const astronaut = join(fixtures, 'images', 'astronaut.png');

  it('runs only the analyses asked for, and leaves the embedding out unless asked', async () => {
    const doc = await analyzeFile(astronaut, { agent, analyses: ['faces'] });
    expect(Object.keys(doc.timings).sort()).toEqual(['decode', 'faces']);
    expect(doc.nsfw).toBeUndefined();
    expect(doc.ocr).toBeUndefined();
    expect(Object.keys(doc.models)).toEqual(['faces']);
    expect(doc.faces![0].embedding).toBeUndefined();
  });

  it('gives the same answer twice for the same image (no frame cache between calls)', async () => {
    const a = await analyzeFile(astronaut, { agent, analyses: ['faces', 'pose'] });
    await analyzeFile(join(fixtures, 'images', 'basketball1.png'), { agent, analyses: ['faces', 'pose'] });
    const b = await analyzeFile(astronaut, { agent, analyses: ['faces', 'pose'] });
    expect(b.faces).toEqual(a.faces);
    expect(b.pose).toEqual(a.pose);
  });

  it('reports progress by stage, ending at 1', async () => {
    const events: { stage: string; progress: number }[] = [];
    await analyzeFile(astronaut, { agent, analyses: ['nsfw', 'pose'], onProgress: (e) => events.push(e) });
    expect(events.map((e) => e.stage)).toEqual(['decode', 'nsfw', 'pose', 'done']);
    const progress = events.map((e) => e.progress);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(progress.at(-1)).toBe(1);
  });

  it('stops with CANCELED when the signal is aborted, before or between stages', async () => {
    const already = AbortSignal.abort();
    await expect(analyzeFile(astronaut, { agent, signal: already })).rejects.toMatchObject({ code: 'CANCELED' });
    const controller = new AbortController();
    const stages: string[] = [];
    const run = analyzeFile(astronaut, {
      agent,
      analyses: ['nsfw', 'faces', 'pose'],
      signal: controller.signal,
      onProgress: (e) => {
        stages.push(e.stage);
        if (e.stage === 'nsfw') controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELED' });
    expect(stages).not.toContain('pose');
  });

  it.each([
    ['empty.jpg', 'EMPTY_FILE'],
    ['not-an-image.png', 'UNSUPPORTED_MEDIA'],
    ['pixel-bomb-30000x30000.png', 'PIXEL_LIMIT'],
    ['truncated-skimage.jpg', 'CORRUPT_MEDIA'],
    ['truncated.jpg', 'CORRUPT_MEDIA'],
  ])('bad/%s fails with %s', async (file, code) => {
    await expect(analyzeFile(join(fixtures, 'bad', file), { agent })).rejects.toMatchObject({ code });
  });

  it('bad/truncated.avi goes to the audio/video layer and fails there as CORRUPT_MEDIA (UNSUPPORTED_MEDIA if that layer is absent)', async () => {
    const avInstalled = existsSync(fileURLToPath(new URL('./av/analyze-av.ts', import.meta.url)));
    await expect(analyzeFile(join(fixtures, 'bad', 'truncated.avi'), { agent })).rejects.toMatchObject({
      code: avInstalled ? 'CORRUPT_MEDIA' : 'UNSUPPORTED_MEDIA',
    });
  });

  it('refuses analyses that do not apply to images', async () => {
    await expect(analyzeFile(astronaut, { agent, analyses: ['transcribe'] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('describes the installed models, with sizes and what is loaded', async () => {
    const models = await describeInstalledModels();
    const byId = Object.fromEntries(models.map((m) => [m.id, m]));
    for (const id of ['nsfwjs/MobileNetV2Mid', 'human/faceres', 'human/movenet-multipose', 'ppocr/ch_PP-OCRv4_det+ch_PP-OCRv4_rec']) {
      expect(byId[id]).toMatchObject({ installed: true, loaded: true });
      expect(byId[id].bytes).toBeGreaterThan(100_000);
    }
    expect(byId['nsfwjs/InceptionV3']).toMatchObject({ installed: true, loaded: false });
    expect(new Set(models.map((m) => m.analysis))).toEqual(new Set(['nsfw', 'faces', 'pose', 'ocr']));
  });
});

describe('inside a worker thread', () => {
  it('loads the models and analyses an image there too', async () => {
    // The agent's pool starts .ts workers the same way: register tsx in a tiny ESM bootstrap, then import.
    const require = createRequire(import.meta.url);
    const tsxApi = pathToFileURL(require.resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const entry = pathToFileURL(fileURLToPath(new URL('./analyze-file.ts', import.meta.url))).href;
    const source = `
      import { parentPort, workerData } from 'node:worker_threads';
      import { register } from ${JSON.stringify(tsxApi)};
      register();
      const { analyzeFile, shutdownAnalyzers } = await import(${JSON.stringify(entry)});
      try {
        const doc = await analyzeFile(workerData.path, { agent: workerData.agent, analyses: ['faces', 'ocr'] });
        parentPort.postMessage({ doc });
      } catch (err) {
        parentPort.postMessage({ error: { code: err.code, message: err.message } });
      }
      await shutdownAnalyzers();
    `;
    const worker = new Worker(new URL('data:text/javascript,' + encodeURIComponent(source)), {
      workerData: { path: join(fixtures, 'images', 'astronaut.png'), agent },
    });
    const message = await new Promise<{ doc?: ResultDocument; error?: unknown }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(message.error).toBeUndefined();
    expect(message.doc!.faces![0].emotion!.label).toBe('happy');
    expect(message.doc!.ocr!.text).toBe('');
  });
});
