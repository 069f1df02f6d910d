// The fleet in a real Chromium: the headless console with its built-in agent, plus a second real agent process
// (real models) that the operator adds by URL in Fleet. A folder chosen in Analyze goes to the fleet as one batch
// and spreads over both agents; each row says where it ran; after a reload the history is there (from the
// console's store), Jobs names the agent per row, and a row opens its result with its overlay.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenWithCli, startAgentProcess, type AgentProcess } from '../test-harness/agent/agent-process.js';
import { fixturesDir } from '../test-harness/shared-folder.js';
import { chooseAnalyses, waitForFile } from './harness/analyze-in-ui.js';
import { browserSuite, chromiumMissing, launchChromium, saveScreenshot, type Browser } from './harness/chromium.js';
import { startConsole, type RunningConsole } from './harness/console-process.js';

const images = ['astronaut.png', 'basketball1.png', 'chelsea.png', 'coffee.png', 'messi5.jpg', 'starry_night.jpg'];

describe.skipIf(chromiumMissing)(browserSuite('a folder spread over two agents in a real browser'), () => {
  let consoleProcess: RunningConsole;
  let agent: AgentProcess;
  let browser: Browser;
  let dir: string;
  let token: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mf-fleet-e2e-'));
    await mkdir(join(dir, 'agent'));
    await mkdir(join(dir, 'photos'));
    for (const name of images) await copyFile(join(fixturesDir, 'images', name), join(dir, 'photos', name));
    token = createTokenWithCli(join(dir, 'agent'), 'admin', 'e2e');
    agent = await startAgentProcess({ dataDir: join(dir, 'agent'), token, workers: 1, readyTimeoutMs: 240_000 });
    consoleProcess = await startConsole();
    browser = await launchChromium();
    await browser.page.goto(consoleProcess.url);
    await browser.page.locator('.agent-state .badge', { hasText: 'running' }).waitFor({ timeout: 180_000 });
  }, 420_000);
  afterAll(async () => {
    await browser?.close();
    await consoleProcess?.stop();
    await agent?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the operator adds an agent by URL; a wrong token is refused with the reason first', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Fleet', exact: true }).click();
    await page.getByRole('button', { name: 'Add an agent by URL' }).click();
    const form = page.getByRole('form', { name: 'add an agent' });
    await form.getByLabel('Name').fill('second-agent');
    await form.getByLabel('URL').fill(agent.url);
    await form.getByLabel('Token').fill('mf_not-the-token');
    await form.getByRole('button', { name: 'Add the agent' }).click();
    expect(await form.getByRole('alert').getAttribute('data-code', { timeout: 30_000 })).toBe('AGENT_TOKEN_REJECTED');
    await form.getByLabel('Token').fill(token);
    await form.getByRole('button', { name: 'Add the agent' }).click();
    await page.getByRole('listitem', { name: 'agent second-agent' }).waitFor({ timeout: 30_000 });
    await saveScreenshot(page, 'fleet-agent-added');
  }, 120_000);

  it('a folder goes to the fleet and spreads over both agents; each row says where it ran', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Analyze', exact: true }).click();
    expect(await page.getByLabel('Run on').inputValue()).toBe('fleet');
    await chooseAnalyses(page, ['faces']);
    await page.getByTestId('folder-input').setInputFiles(join(dir, 'photos'));
    for (const name of images) expect((await waitForFile(page, name, 300_000)).stage, name).toBe('done');
    const ranOn = await page.getByTestId('ran-on').allInnerTexts();
    expect(new Set(ranOn)).toEqual(new Set(['on This computer', 'on second-agent']));
    const why = await page.getByTestId('ran-on').first().getAttribute('title');
    expect(why).toMatch(/earliest finish|only agent|pinned/);
    await saveScreenshot(page, 'analyze-folder-on-the-fleet');
  }, 600_000);

  it('after a reload the history is there; Jobs names the agent per row, and a row opens its result with its overlay', async () => {
    const { page } = browser;
    await page.reload();
    await page.getByRole('button', { name: 'Analyze', exact: true }).click();
    for (const name of images) await page.locator('li.file-row', { has: page.getByRole('button', { name, exact: true }) }).first().waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Jobs', exact: true }).click();
    await page.getByText(`${images.length} of ${images.length} shown`).waitFor({ timeout: 30_000 });
    const agents = await page.locator('.jobs-row .job-agent').allInnerTexts();
    expect(new Set(agents)).toEqual(new Set(['This computer', 'second-agent']));
    expect(await page.getByRole('region', { name: 'batches' }).getByTestId('batch-counts').first().innerText()).toBe(`${images.length} done · 0 failed · 0 remaining of ${images.length}`);
    await saveScreenshot(page, 'jobs-fleet-batch');
    await page.locator('.jobs-row', { hasText: 'messi5.jpg' }).getByRole('link', { name: 'messi5.jpg' }).click();
    const overlay = page.getByTestId('result-overlay');
    // Opened from Jobs after a reload: the picture is the console's preview of its copy, findings drawn on it.
    await overlay.locator('g[data-kind=face] rect').first().waitFor({ timeout: 30_000 });
    expect(await overlay.locator('img').getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);
    expect(await page.getByTestId('result-where').innerText()).toMatch(/^Ran on (This computer|second-agent) \(/);
  }, 120_000);

  it("Fleet's dashboard shows the hour: both agents' finished jobs as bars, their queues in words", async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Fleet', exact: true }).click();
    const dashboard = page.getByRole('region', { name: 'fleet, last hour' });
    await dashboard.waitFor({ timeout: 30_000 });
    // The health monitor's samples (every 5 s) turn the agents' counters into jobs per minute.
    await expect.poll(() => dashboard.getByTestId('fleet-throughput-chart').locator('rect[data-minute]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await dashboard.getByTestId('fleet-queue-chart').getByRole('img').getAttribute('aria-label')).toMatch(/^Queued: \d/);
    await saveScreenshot(page, 'fleet-dashboard');
  }, 60_000);
});
