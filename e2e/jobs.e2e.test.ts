// The Jobs view in a real browser against the real headless console and its built-in agent: files dropped in
// Analyze show up as jobs, with the agent's reason when they fail; filter by text and stage; a retry appears
// live (from the console's progress events) and fails for the same reason.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropFile, waitForFile } from './harness/analyze-in-ui.js';
import { chromiumMissing, launchChromium, saveScreenshot, type Browser } from './harness/chromium.js';
import { startConsole, type RunningConsole } from './harness/console-process.js';

describe.skipIf(chromiumMissing)('Jobs view in a real browser (skipped: no Chromium at /usr/bin/chromium)', () => {
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
    await page.getByLabel('stage').selectOption('done');
    await page.getByText('0 of 2 shown').waitFor();
    await page.getByLabel('stage').selectOption('failed');
    await page.getByText('2 of 2 shown').waitFor();
    await saveScreenshot(page, 'jobs-failed-filtered');
    await page.getByLabel('stage').selectOption('all');
  });

  it('retry runs the file again as a new job that appears live and ends with the same reason', async () => {
    const { page } = browser;
    const firstError = await page.locator('.jobs-row', { hasText: 'broken-1.jpg' }).locator('.job-error').innerText();
    await page.locator('.jobs-row', { hasText: 'broken-1.jpg' }).getByRole('button', { name: 'Retry' }).click();
    await page.getByText('3 of 3 shown').waitFor({ timeout: 30_000 });
    // Read each row's stage and error in one evaluation: two separate reads can straddle a re-render (the new
    // row replacing the one the first read saw) and compare one row's stage with another's error.
    const broken1Rows = () =>
      page.locator('.jobs-row', { hasText: 'broken-1.jpg' }).evaluateAll((rows) =>
        rows.map((row) => `${row.querySelector('.job-stage')?.textContent} | ${row.querySelector('.job-error')?.textContent}`),
      );
    await expect.poll(broken1Rows, { timeout: 120_000 }).toEqual([`failed | ${firstError}`, `failed | ${firstError}`]);
    await saveScreenshot(page, 'jobs-retried');
  });
});
