// The Jobs view in a real browser against the real headless console and its built-in agent: files dropped in
// Analyze show up as jobs, with the agent's reason when they fail; filter by text and state; a retry appears
// live (from the console's progress events); a permanent failure is not offered a retry.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../test-harness/shared-folder.js';
import { chooseAnalyses, dropFile, waitForFile } from './harness/analyze-in-ui.js';
import { browserSuite, chromiumMissing, launchChromium, saveScreenshot, type Browser } from './harness/chromium.js';
import { startConsole, type RunningConsole } from './harness/console-process.js';

describe.skipIf(chromiumMissing)(browserSuite('Jobs view in a real browser'), () => {
  let consoleProcess: RunningConsole;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mf-jobs-e2e-'));
    // Not images at all: the agent refuses them after probing, before any model runs (fast, and a real reason).
    await writeFile(join(dir, 'broken-1.jpg'), Buffer.from('this is not a jpeg '.repeat(64)));
    await writeFile(join(dir, 'broken-2.png'), Buffer.from('neither is this a png '.repeat(64)));
    consoleProcess = await startConsole();
    browser = await launchChromium();
    await browser.page.goto(consoleProcess.url);
  });
  afterAll(async () => {
    await browser?.close();
    await consoleProcess?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a new console tells the person where to start', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Jobs', exact: true }).click();
    await page.getByText('No jobs yet').waitFor();
    await page.getByRole('button', { name: 'Analyze a file' }).click();
    await page.getByTestId('dropzone').waitFor();
  });

  it('dropped files become jobs; failures carry the reason; filters narrow the list', async () => {
    const { page } = browser;
    for (const name of ['broken-1.jpg', 'broken-2.png']) {
      await dropFile(page, join(dir, name));
      expect((await waitForFile(page, name, 150_000)).stage).toBe('failed');
    }
    await page.getByRole('button', { name: 'Jobs', exact: true }).click();
    await page.getByText('2 of 2 shown').waitFor();
    const rows = page.locator('.jobs-row');
    expect(await rows.count()).toBe(2);
    for (const row of await rows.all()) {
      expect(await row.locator('.job-stage').innerText()).toBe('failed');
      expect((await row.locator('.job-error').innerText()).length).toBeGreaterThan(5);
    }
    await page.getByLabel('filter jobs').fill('BROKEN-2');
    await page.getByText('1 of 2 shown').waitFor();
    expect(await rows.first().locator('.job-file').innerText()).toBe('broken-2.png');
    await page.getByLabel('filter jobs').fill('');
    await page.getByLabel('state').selectOption('done');
    await page.getByText('0 of 2 shown').waitFor();
    await page.getByLabel('state').selectOption('failed');
    await page.getByText('2 of 2 shown').waitFor();
    await saveScreenshot(page, 'jobs-failed-filtered');
    await page.getByLabel('state').selectOption('all');
  });

  it('a permanent failure offers no Retry; a canceled job is retried as a new job that appears live', async () => {
    const { page } = browser;
    // Not an image at all: the same bytes fail the same way, so Retry is not offered (the error says so).
    const broken = page.locator('.jobs-row', { hasText: 'broken-1.jpg' });
    expect(await broken.locator('.job-error').innerText()).toMatch(/^permanent/);
    expect(await broken.getByRole('button', { name: 'Retry' }).count()).toBe(0);

    // A long video canceled while it runs can be run again.
    await page.getByRole('button', { name: 'Analyze', exact: true }).click();
    await chooseAnalyses(page, ['video', 'faces']);
    await dropFile(page, join(fixturesDir, 'video/vtest.avi'));
    await page.getByRole('button', { name: 'Jobs', exact: true }).click();
    const video = page.locator('.jobs-row', { hasText: 'vtest.avi' });
    await video.getByRole('button', { name: 'Cancel' }).click({ timeout: 60_000 });
    await expect.poll(() => video.locator('.job-stage').innerText(), { timeout: 30_000 }).toBe('canceled');
    await video.getByRole('button', { name: 'Retry' }).click();
    await page.getByText('4 of 4 shown').waitFor({ timeout: 30_000 });
    // Read each row's stage in one evaluation: two reads could straddle a re-render.
    const videoStages = () => page.locator('.jobs-row', { hasText: 'vtest.avi' }).evaluateAll((rows) => rows.map((row) => row.querySelector('.job-stage')?.textContent));
    await expect.poll(videoStages, { timeout: 60_000 }).toEqual([expect.stringMatching(/^(pending|uploading|queued|running)$/), 'canceled']);
    await saveScreenshot(page, 'jobs-retried');
    // Leave the agent free for the next file.
    await page.locator('.jobs-row', { hasText: 'vtest.avi' }).first().getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(videoStages, { timeout: 30_000 }).toEqual(['canceled', 'canceled']);
  }, 200_000);
});
