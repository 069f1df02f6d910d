// Results a person can come back to, in a real Chromium against the headless console and its real built-in
// agent: every view and every result has its own address and a reload stays there (an image's findings drawn
// on the console's preview of it); face tiles and persons show the pictures the agent keeps, the agent's
// same-person threshold is marked among the matches, persons can be merged; long video work says which
// keyframe of how many it is on; a video's timeline is a chart of who and what appears when.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../test-harness/shared-folder.js';
import { chooseAnalyses, dropFile, waitForFile } from './harness/analyze-in-ui.js';
import { browserSuite, chromiumMissing, launchChromium, saveScreenshot, type Browser } from './harness/chromium.js';
import { startConsole, type RunningConsole } from './harness/console-process.js';

const fixture = (rel: string): string => join(fixturesDir, rel);
const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

describe.skipIf(chromiumMissing)(browserSuite('deep links, face pictures and the video timeline in a real browser'), () => {
  let consoleProcess: RunningConsole;
  let browser: Browser;

  beforeAll(async () => {
    consoleProcess = await startConsole();
    browser = await launchChromium();
    await browser.page.goto(consoleProcess.url);
    await browser.page.locator('.agent-state .badge', { hasText: 'running' }).waitFor({ timeout: 180_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await consoleProcess?.stop();
  });

  it('a result has its own address; a reload shows the same result, drawn on the console’s picture of the file', async () => {
    const { page } = browser;
    await chooseAnalyses(page, ['faces', 'pose']);
    await dropFile(page, fixture('images/messi5.jpg'));
    expect((await waitForFile(page, 'messi5.jpg')).stage).toBe('done');
    await expect.poll(() => page.url()).toMatch(new RegExp(`#/analyze/${uuid}$`));
    const address = page.url();
    const overlay = page.getByTestId('result-overlay');
    await overlay.locator('g[data-kind=face] rect').first().waitFor();
    const faceBox = await overlay.locator('g[data-kind=face] rect').first().getAttribute('x');
    expect(await overlay.locator('img').getAttribute('src')).toMatch(/^blob:/);

    await page.reload();
    expect(page.url()).toBe(address);
    await page.getByRole('region', { name: 'Result for messi5.jpg' }).waitFor({ timeout: 30_000 });
    // The dropped file is gone with the old page: the console's own copy is drawn, with the same findings.
    await expect.poll(() => overlay.locator('img').getAttribute('src'), { timeout: 30_000 }).toMatch(/^data:image\/jpeg;base64,/);
    await expect.poll(() => overlay.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    expect(await overlay.locator('g[data-kind=face] rect').first().getAttribute('x')).toBe(faceBox);
    expect(await page.getByTestId('faces-count').innerText()).toBe('1');
    await saveScreenshot(page, 'analyze-result-after-reload');
  });

  it('each view has its own address and a reload stays on it; a Jobs row links to its result', async () => {
    const { page } = browser;
    for (const [nav, hash, heading] of [
      ['Fleet', '#/fleet', 'Fleet'],
      ['Jobs', '#/jobs', 'Jobs'],
      ['Faces', '#/faces/local', 'Faces & persons'],
      ['Benchmarks', '#/benchmarks', 'Benchmarks'],
      ['Audit log', '#/audit', 'Audit log'],
      ['Settings', '#/settings', 'Settings'],
      ['Costs', '#/costs', 'Costs'],
    ] as const) {
      await page.getByRole('button', { name: nav, exact: true }).click();
      await expect.poll(() => new URL(page.url()).hash).toBe(hash);
      await page.reload();
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      expect(await page.getByRole('button', { name: nav, exact: true }).getAttribute('aria-current')).toBe('page');
    }
    // Back returns to the view before.
    await page.goBack();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();

    await page.getByRole('button', { name: 'Jobs', exact: true }).click();
    await page.getByRole('link', { name: 'messi5.jpg' }).click();
    await page.getByRole('region', { name: 'Result for messi5.jpg' }).waitFor();
    expect(page.url()).toMatch(new RegExp(`#/analyze/${uuid}$`));
    // An address of a result this console does not have says so.
    await page.goto(`${consoleProcess.origin}/#/analyze/00000000-0000-4000-8000-000000000000`);
    const gone = page.locator('.result-pane [role=alert]');
    await gone.waitFor();
    expect(await gone.getAttribute('data-code')).toBe('REQUEST_GONE');
    expect(await gone.locator('.error-title').innerText()).toBe('This console no longer has this result');
  });

  it("face tiles and persons show the agent's pictures, also after a reload; the threshold is marked; persons merge", async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Analyze', exact: true }).click();
    await chooseAnalyses(page, ['faces']);
    await dropFile(page, fixture('images/astronaut.png'));
    expect((await waitForFile(page, 'astronaut.png')).stage).toBe('done');
    await dropFile(page, fixture('images/messi5.jpg'));
    expect((await waitForFile(page, 'messi5.jpg')).stage).toBe('done');

    await page.getByRole('button', { name: 'Faces', exact: true }).click();
    // A fresh page: no file of this session is at hand, so every picture is one the agent kept.
    await page.reload();
    const persons = page.getByRole('region', { name: 'persons' });
    const messi = persons.getByRole('listitem').filter({ hasText: '2 faces' }).first();
    await expect.poll(() => messi.locator('.person-thumb img').getAttribute('src'), { timeout: 30_000 }).toMatch(/^data:image\/jpeg;base64,/);
    await messi.getByRole('button', { name: 'Name this person' }).click();
    await messi.getByRole('textbox').fill('Lionel Messi');
    await messi.getByRole('textbox').press('Enter');
    const named = persons.getByRole('listitem', { name: 'Lionel Messi' });
    await named.getByRole('button', { name: 'Show faces' }).click();
    const tiles = named.locator('.face-tile');
    await expect.poll(() => tiles.locator('.face-crop.stored img').count(), { timeout: 30_000 }).toBe(2);
    expect(await tiles.locator('.face-crop.placeholder').count()).toBe(0);
    await expect.poll(() => new URL(page.url()).hash).toMatch(new RegExp(`^#/faces/local/person/${uuid}$`));

    // Search by one of them: the matches show pictures, and the agent's threshold sits between same and other.
    await tiles.first().click();
    await expect.poll(() => new URL(page.url()).hash).toMatch(new RegExp(`^#/faces/local/face/${uuid}$`));
    await page.reload();
    const grid = page.getByTestId('similar-faces');
    await grid.waitFor({ timeout: 30_000 });
    const marker = grid.getByTestId('threshold-marker');
    expect(await marker.innerText()).toMatch(/55%.*same-person threshold/);
    const order = await grid.evaluate((el) => [...el.children].map((c) => (c.getAttribute('data-testid') === 'threshold-marker' ? 'marker' : Number(c.querySelector('[data-testid=similarity]')!.textContent!.replace('%', '')))));
    const at = order.indexOf('marker');
    expect((order.slice(0, at) as number[]).every((s) => s >= 55)).toBe(true);
    expect((order.slice(at + 1) as number[]).every((s) => s < 55)).toBe(true);
    expect(order[0]).toBeGreaterThan(99);
    await expect.poll(() => grid.locator('.face-crop.stored img').count(), { timeout: 30_000 }).toBe(order.length - 1);
    await saveScreenshot(page, 'faces-pictures-threshold');

    // The astronaut is not Messi, but an operator may know better: merge them, and one person has all 3 faces.
    const before = await persons.getByRole('listitem').count();
    const astronaut = persons.getByRole('listitem', { name: 'unnamed person' }).first();
    await astronaut.getByRole('button', { name: 'Merge…' }).click();
    const merge = astronaut.getByRole('form');
    await merge.getByLabel('merge into').selectOption({ label: 'Lionel Messi (2 faces)' });
    expect(await merge.innerText()).toMatch(/Its face joins Lionel Messi; this entry goes\./);
    await saveScreenshot(page, 'faces-merge');
    await merge.getByRole('button', { name: 'Merge' }).click();
    await expect.poll(() => persons.getByRole('listitem').count()).toBe(before - 1);
    await persons.getByRole('listitem', { name: 'Lionel Messi' }).getByText('3 faces').waitFor();
    await saveScreenshot(page, 'faces-persons-thumbnails');
  }, 300_000);

  it('long video work says which keyframe of how many it is on, and the timeline charts who and what appears when', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Analyze', exact: true }).click();
    await chooseAnalyses(page, ['video', 'faces', 'pose', 'nsfw', 'ocr']);
    await dropFile(page, fixture('video/vtest.avi'));
    const row = page.locator('li.file-row', { has: page.getByRole('button', { name: 'vtest.avi', exact: true }) }).first();
    const seen = new Set<string>();
    let sample = '';
    await expect
      .poll(
        async () => {
          const text = await row.locator('.file-stage').innerText();
          const match = /keyframe (\d+) of (\d+)/.exec(text);
          if (match) {
            seen.add(`${match[1]}/${match[2]}`);
            sample = text;
          }
          return seen.size;
        },
        { timeout: 600_000, interval: 250 },
      )
      .toBeGreaterThanOrEqual(3);
    expect(sample).toMatch(/^running: keyframe \d+ of \d+: (faces|pose|nsfw|ocr)$/);
    const totals = new Set([...seen].map((s) => s.split('/')[1]));
    expect(totals.size).toBe(1);
    await saveScreenshot(page, 'analyze-video-keyframe-progress');

    expect((await waitForFile(page, 'vtest.avi', 900_000)).stage).toBe('done');
    const chart = page.getByTestId('timeline');
    await chart.waitFor();
    const lanes = await chart.locator('[data-lane]').evaluateAll((els) => els.map((el) => el.getAttribute('data-lane')));
    expect(lanes).toEqual(expect.arrayContaining(['people', 'moderation', 'text']));
    // People: a filled curve that rises where the pedestrians walk; moderation bands cover the whole video.
    expect(await chart.locator('[data-series=people]').count()).toBe(1);
    expect(await chart.locator('rect[data-verdict]').count()).toBeGreaterThanOrEqual(1);
    const keyframes = await chart.locator('button.tick').count();
    expect(keyframes).toBe(Number([...totals][0]));
    expect(await chart.getAttribute('aria-label')).toMatch(/^video timeline: up to \d+ people at once/);
    // Clicking the people lane near its end opens the last keyframes.
    const plot = chart.locator('[data-lane=people] svg');
    const box = (await plot.boundingBox())!;
    await page.mouse.click(box.x + box.width - 2, box.y + box.height / 2);
    const large = page.getByTestId('keyframe-large');
    await large.waitFor();
    expect(await large.locator('figcaption').innerText()).toMatch(new RegExp(`Keyframe (${keyframes}|${keyframes - 1}) of ${keyframes}`));
    await page.locator('section.result').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await saveScreenshot(page, 'analyze-video-timeline-chart');
  }, 1_000_000);

  it('screenshots of the main views', async () => {
    const { page } = browser;
    for (const [nav, name] of [
      ['Fleet', 'view-fleet'],
      ['Jobs', 'view-jobs'],
      ['Faces', 'view-faces'],
      ['Benchmarks', 'view-benchmarks'],
      ['Audit log', 'view-audit'],
      ['Settings', 'view-settings'],
    ] as const) {
      await page.getByRole('button', { name: nav, exact: true }).click();
      await page.locator('h1').first().waitFor();
      await page.waitForTimeout(500);
      await saveScreenshot(page, name);
    }
  });
});
