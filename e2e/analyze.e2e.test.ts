// A person opens the headless console in Chromium and drops media on the Analyze view; the real built-in
// agent analyses it and the UI draws what it found.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseAnalyses, dropFile, waitForFile } from './harness/analyze-in-ui.js';
import { browserSuite, chromiumMissing, launchChromium, saveScreenshot, type Browser } from './harness/chromium.js';
import { startConsole, type RunningConsole } from './harness/console-process.js';
import { fixture } from '../test-harness/shared-folder.js';


describe.skipIf(chromiumMissing)(browserSuite('Analyze in a real browser'), () => {
  let consoleProcess: RunningConsole;
  let browser: Browser;

  beforeAll(async () => {
    consoleProcess = await startConsole();
    browser = await launchChromium();
    await browser.page.goto(consoleProcess.url);
  });
  afterAll(async () => {
    await browser?.close();
    await consoleProcess?.stop();
  });

  it('opens on Analyze with the token from the URL, and the built-in agent comes up', async () => {
    const { page } = browser;
    await page.getByRole('heading', { name: 'Analyze' }).waitFor();
    // The token moved from the address bar into session storage.
    expect(page.url()).not.toContain('token=');
    await page.locator('.agent-state .badge', { hasText: 'running' }).waitFor({ timeout: 180_000 });
    await expect(page.getByText('Nothing analysed yet').isVisible()).resolves.toBe(true);
    await saveScreenshot(page, 'analyze-empty');
  });

  it('drop messi5.jpg: face boxes with labels and a pose skeleton are drawn on the image', async () => {
    const { page } = browser;
    await chooseAnalyses(page, ['faces', 'pose']);
    await dropFile(page, fixture('images/messi5.jpg'));
    const outcome = await waitForFile(page, 'messi5.jpg');
    await saveScreenshot(page, 'analyze-messi5');
    expect(outcome).toEqual({ stage: 'done', error: null });

    const overlay = page.getByTestId('result-overlay');
    await overlay.waitFor();
    // expected.json: one main face, at least one person with a pose.
    const faceRects = overlay.locator('g[data-kind=face] rect');
    expect(await faceRects.count()).toBeGreaterThanOrEqual(1);
    const label = await overlay.locator('g[data-kind=face] text').first().textContent();
    expect(label).toMatch(/male|female|~\d+y/);
    expect(await overlay.locator('g[data-kind=pose] line').count()).toBeGreaterThanOrEqual(6);
    expect(await overlay.locator('g[data-kind=pose] circle').count()).toBeGreaterThanOrEqual(8);
    // The face box lies inside the image: its drawn rectangle is inside the overlay's box on screen.
    const stage = (await overlay.boundingBox())!;
    const face = (await faceRects.first().boundingBox())!;
    expect(face.width).toBeGreaterThan(5);
    expect(face.x).toBeGreaterThanOrEqual(stage.x);
    expect(face.x + face.width).toBeLessThanOrEqual(stage.x + stage.width + 1);

    // Turning the pose layer off removes the skeleton.
    await page.locator('.result-toolbar label', { hasText: 'pose' }).locator('input').uncheck();
    expect(await overlay.locator('g[data-kind=pose] line').count()).toBe(0);
    await page.locator('.result-toolbar label', { hasText: 'pose' }).locator('input').check();
    await saveScreenshot(page, 'analyze-messi5-result');
  });

  it('drop jfk.wav: the transcript is listed and synced to the player', async () => {
    const { page } = browser;
    await chooseAnalyses(page, ['transcribe']);
    await dropFile(page, fixture('audio/jfk.wav'));
    const outcome = await waitForFile(page, 'jfk.wav');
    expect(outcome).toEqual({ stage: 'done', error: null });
    const transcript = page.getByTestId('transcript');
    await transcript.waitFor();
    // The words are the agent's business (its own tests measure WER); here: segments with times are listed,
    // and clicking one moves the player there and highlights it.
    const segments = transcript.locator('li');
    const count = await segments.count();
    expect(count).toBeGreaterThanOrEqual(1);
    expect((await transcript.innerText()).trim().length).toBeGreaterThan(5);
    const target = segments.nth(count - 1);
    const start = Number((await target.locator('.time').innerText()).replace('s', ''));
    await target.getByRole('button').click();
    await expect.poll(() => page.locator('audio').evaluate((a: HTMLAudioElement) => a.currentTime)).toBeGreaterThanOrEqual(start - 0.05);
    await expect.poll(() => target.getAttribute('class')).toBe('active');
    await saveScreenshot(page, 'analyze-jfk-transcript');
  });

  // All four image analyses on every keyframe of vtest.avi take the agent minutes on two shared cores: the
  // keyframes are checked with faces and pose, which is what the filmstrip and keyframe view draw. The hall's
  // pedestrians are seen from afar: pose finds them on most keyframes, while their faces (a dozen pixels) are
  // found on one or two keyframes at most, and which ones depends on the ffmpeg build's JPEGs.
  it('drop vtest.avi: the keyframes the agent saw, with the people drawn on the chosen one, since Chromium cannot play AVI', async () => {
    const { page } = browser;
    await chooseAnalyses(page, ['video', 'faces', 'pose']);
    await dropFile(page, fixture('video/vtest.avi'));
    const outcome = await waitForFile(page, 'vtest.avi', 600_000);
    expect(outcome).toEqual({ stage: 'done', error: null });
    const ticks = page.getByTestId('timeline').locator('button.tick');
    // The result is fetched after the row says done: wait for the timeline before counting (count() does not wait).
    await ticks.first().waitFor();
    const keyframes = await ticks.count();
    expect(keyframes).toBeGreaterThanOrEqual(2);

    // Chromium plays no AVI: the player gives way to a plain notice; the keyframes show what the agent saw.
    await page.getByTestId('unplayable-notice').waitFor();
    expect(await page.getByTestId('unplayable-notice').textContent()).toMatch(/^This browser cannot play video\/\S+ files; the keyframes below are what the agent saw\.$/);
    expect(await page.getByTestId('player').count()).toBe(0);
    const strip = page.getByTestId('filmstrip');
    const thumbnails = strip.locator('button.keyframe');
    expect(await thumbnails.count()).toBe(Math.min(60, keyframes));
    const firstPicture = strip.locator('img').first();
    await firstPicture.waitFor();
    await expect.poll(() => firstPicture.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 10_000 }).toBeGreaterThan(0);
    if (keyframes > 60) {
      await strip.getByRole('button', { name: /^Show \d+ more/ }).click();
      await expect.poll(() => thumbnails.count()).toBe(keyframes);
    }

    // The summary saw someone: the first keyframe with a person, chosen, is shown large with the skeleton on it.
    const labels = await thumbnails.evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label') ?? ''));
    expect(labels.every((label) => /\d+ faces? · \d+ (person|people)\b/.test(label)), labels.join('\n')).toBe(true);
    const withPerson = labels.findIndex((label) => /\b[1-9]\d* (person|people)\b/.test(label));
    expect(withPerson, labels.join('\n')).toBeGreaterThanOrEqual(0);
    await thumbnails.nth(withPerson).click();
    const large = page.getByTestId('keyframe-large');
    await large.locator('img').waitFor();
    await expect.poll(() => large.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    expect(await large.locator('figcaption').textContent()).toContain(`Keyframe ${withPerson + 1} of ${keyframes}`);
    await expect.poll(() => large.locator('svg[aria-label=findings] g[data-kind=pose] line').count()).toBeGreaterThanOrEqual(1);
    expect(await thumbnails.nth(withPerson).getAttribute('aria-pressed')).toBe('true');

    await page.locator('section.result').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await saveScreenshot(page, 'analyze-vtest-timeline');
  }, 620_000);

  it('a damaged file fails with an error that says what happened and what to do', async () => {
    const { page } = browser;
    await chooseAnalyses(page, []);
    await dropFile(page, fixture('bad/truncated.jpg'));
    const outcome = await waitForFile(page, 'truncated.jpg');
    expect(outcome.stage).toBe('failed');
    expect(outcome.error).toMatch(/[A-Z_]{4,}/); // a stable code is shown
    expect(outcome.error!.length).toBeGreaterThan(30);
    await saveScreenshot(page, 'analyze-bad-file');
  });

  it('the Jobs view lists every submission and filters them', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Jobs', exact: true }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    const rows = page.locator('.jobs-row');
    await rows.first().waitFor();
    const all = await rows.count();
    expect(all).toBeGreaterThanOrEqual(2);
    await page.getByLabel('filter jobs').fill('messi5');
    await expect.poll(() => rows.count()).toBe(1);
    await saveScreenshot(page, 'jobs');
    await page.getByLabel('filter jobs').fill('');
  });

  it('every view renders with a heading and no crash (screenshots)', async () => {
    const { page } = browser;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    for (const [nav, heading] of [
      ['Fleet', 'Fleet'],
      ['Server', 'Server'],
      ['Faces', 'Faces & persons'],
      ['Costs', 'Costs'],
      ['Benchmarks', 'Benchmarks'],
      ['Audit log', 'Audit log'],
      ['Settings', 'Settings'],
    ] as const) {
      await page.getByRole('button', { name: nav, exact: true }).click();
      await page.locator('h1').first().waitFor();
      const h1 = await page.locator('h1').first().innerText();
      if (nav !== 'Server') expect(h1).toBe(heading);
      await page.waitForTimeout(300);
      await saveScreenshot(page, `view-${nav.toLowerCase().replace(/\s+/g, '-')}`);
    }
    expect(errors).toEqual([]);
  });
});
