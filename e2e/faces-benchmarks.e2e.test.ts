// A person searches by face and names the person, then benchmarks This computer, in a real Chromium against the
// headless console and its real built-in agent (real face model, real face index, real POST /v1/bench).
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import sharp from 'sharp';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseAnalyses, dropFile, waitForFile } from './harness/analyze-in-ui.js';
import { browserSuite, chromiumMissing, launchChromium, saveScreenshot, type Browser } from './harness/chromium.js';
import { startConsole, type RunningConsole } from './harness/console-process.js';
import { fixturesDir } from '../test-harness/shared-folder.js';

const fixtures = fixturesDir;

describe.skipIf(chromiumMissing)(browserSuite('Faces and Benchmarks in a real browser'), () => {
  let consoleProcess: RunningConsole;
  let browser: Browser;
  let benchImages: string;
  /** Another photo of the same person: messi5.jpg cropped and saved again, so it is a new file (a new sha256). */
  let otherPhoto: string;
  const savedEnv = { images: process.env.MEDIAFLEET_BENCH_IMAGES, warmUp: process.env.MEDIAFLEET_WARMUP };

  beforeAll(async () => {
    // The built-in agent inherits these: a two-image benchmark, and only the models this test uses warmed up.
    benchImages = await mkdtemp(join(tmpdir(), 'mf-e2e-bench-'));
    await mkdir(benchImages, { recursive: true });
    await copyFile(join(fixtures, 'images/messi5.jpg'), join(benchImages, 'messi5.jpg'));
    await copyFile(join(fixtures, 'images/chelsea.png'), join(benchImages, 'chelsea.png'));
    otherPhoto = join(await mkdtemp(join(tmpdir(), 'mf-e2e-faces-')), 'messi-cropped.jpg');
    const source = sharp(join(fixtures, 'images/messi5.jpg'));
    const { width, height } = await source.metadata();
    await source.extract({ left: 0, top: 0, width: Math.round(width! * 0.9), height: Math.round(height! * 0.9) }).jpeg({ quality: 85 }).toFile(otherPhoto);
    process.env.MEDIAFLEET_BENCH_IMAGES = benchImages;
    process.env.MEDIAFLEET_WARMUP = 'faces,nsfw';
    consoleProcess = await startConsole();
    browser = await launchChromium();
    await browser.page.goto(consoleProcess.url);
  });
  afterAll(async () => {
    process.env.MEDIAFLEET_BENCH_IMAGES = savedEnv.images;
    process.env.MEDIAFLEET_WARMUP = savedEnv.warmUp;
    await browser?.close();
    await consoleProcess?.stop();
    await rm(benchImages, { recursive: true, force: true });
    if (otherPhoto) await rm(dirname(otherPhoto), { recursive: true, force: true });
  });

  it('analyse messi5.jpg, then search by another photo of the same face: the earlier analysis is the top match', async () => {
    const { page } = browser;
    await page.getByRole('heading', { name: 'Analyze' }).waitFor();
    await chooseAnalyses(page, ['faces']);
    await dropFile(page, join(fixtures, 'images/messi5.jpg'));
    expect(await waitForFile(page, 'messi5.jpg')).toEqual({ stage: 'done', error: null });

    await page.getByRole('button', { name: 'Faces', exact: true }).click();
    await page.getByRole('heading', { name: 'Faces & persons' }).waitFor();
    // The file analysed a moment ago offers its face to pick; a new photo is searched by dropping it. (The same
    // file again would be the same request, answered by the same job: its face would be the searched one.)
    await page.getByRole('listitem', { name: 'faces in messi5.jpg' }).first().getByRole('button').first().waitFor();
    await page.getByTestId('faces-file-input').setInputFiles(otherPhoto);
    const grid = page.getByTestId('similar-faces');
    await grid.waitFor({ timeout: 120_000 });
    const best = grid.getByRole('button').first();
    const similarity = Number((await best.getByTestId('similarity').innerText()).replace('%', ''));
    expect(similarity).toBeGreaterThan(90);
    await expect(best.innerText()).resolves.toContain('messi5.jpg');
    // The match shows the picture of the face the agent kept when it indexed it.
    await expect.poll(() => best.locator('.face-crop.stored img').count()).toBe(1);
    await saveScreenshot(page, 'faces-similar');
  });

  it('names the person; the name shows in the persons list and on the matches', async () => {
    const { page } = browser;
    const persons = page.getByRole('region', { name: 'persons' });
    const row = persons.getByRole('listitem').filter({ hasText: '2 faces' }).first();
    await row.getByRole('button', { name: 'Name this person' }).click();
    await row.getByRole('textbox').fill('Lionel Messi');
    await row.getByRole('textbox').press('Enter');
    await persons.getByText('Lionel Messi', { exact: true }).waitFor();
    await page.getByTestId('similar-faces').getByText('Lionel Messi').first().waitFor();
    await persons.getByRole('button', { name: 'Show faces' }).first().click();
    await persons.locator('.face-tile').nth(1).waitFor();
    await saveScreenshot(page, 'faces-persons');
  });

  it('runs a quick benchmark on This computer and sees its chart and hardware facts', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Benchmarks', exact: true }).click();
    await page.getByText('No benchmarks yet').waitFor();
    const form = page.getByRole('form', { name: 'run a benchmark' });
    await form.getByRole('checkbox', { name: 'nsfw' }).check();
    await form.getByRole('button', { name: 'Run benchmark' }).click();
    const operation = page.getByRole('group', { name: 'Benchmark on This computer operation' });
    await operation.getByRole('progressbar').waitFor();
    await saveScreenshot(page, 'benchmarks-running');
    const chart = page.getByTestId('p50-chart');
    await chart.waitFor({ timeout: 120_000 });
    expect(await chart.locator('rect[data-analysis=nsfw][data-agent="This computer"]').count()).toBe(1);
    expect(await page.getByTestId('throughput-chart').locator('rect').count()).toBe(1);
    const hardware = page.getByLabel('hardware of This computer');
    await expect(hardware.innerText()).resolves.toMatch(/CPU[\s\S]*Cores[\s\S]*RAM[\s\S]*GB/);
    await page.locator('[role=group][data-state=succeeded]', { hasText: 'Benchmark on This computer' }).waitFor();
    expect(await operation.getByLabel('Benchmark on This computer log').innerText()).toMatch(/images\/hour/);
    await expect(page.getByRole('table', { name: 'benchmark history' }).getByRole('row').count()).resolves.toBe(2);
    await saveScreenshot(page, 'benchmarks');
    // A second run: the first one's "Finished … in 15 s" does not stay on screen under it.
    await form.getByRole('button', { name: 'Run benchmark' }).click();
    const ops = page.getByLabel('benchmark operations');
    await ops.locator('[role=group][data-state=running]').waitFor();
    expect(await ops.locator('[role=group][data-state=succeeded]').count()).toBe(0);
    await ops.locator('[role=group][data-state=succeeded]').waitFor({ timeout: 120_000 });
    expect(await ops.getByRole('group').count()).toBe(1);
  });
  it('read-only console: benchmarks are listed, running and naming are refused in the UI and at the API', async () => {
    const readOnly = await startConsole({ readOnly: true, localAgent: false });
    const viewer = await launchChromium();
    try {
      const { page } = viewer;
      await page.goto(readOnly.url);
      await page.getByRole('button', { name: 'Benchmarks', exact: true }).click();
      await page.getByText(/read-only: you can compare stored benchmarks/).waitFor();
      await expect(page.getByRole('form', { name: 'run a benchmark' }).getByRole('button').isDisabled()).resolves.toBe(true);
      await saveScreenshot(page, 'benchmarks-read-only');
      const answers = await page.evaluate(async (token) => {
        const call = async (method: string, body: unknown) => {
          const res = await fetch(`/api/invoke/${method}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          return { status: res.status, body: (await res.json()) as { ok: boolean; error?: { code: string } } };
        };
        return {
          start: await call('benchmarks:start', { agentId: 'local' }),
          name: await call('faces:name-person', { personId: 'p1', name: 'x' }),
          history: await call('benchmarks:history', {}),
        };
      }, readOnly.token);
      for (const refused of [answers.start, answers.name]) {
        expect(refused.status).toBe(403);
        expect(refused.body.error?.code).toBe('READ_ONLY');
      }
      expect(answers.history.body).toEqual({ ok: true, data: [] });
    } finally {
      await viewer.close();
      await readOnly.stop();
    }
  });
});
