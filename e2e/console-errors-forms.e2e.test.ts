// The console's words when things go wrong, in a real Chromium against the headless console and its real
// built-in agent: each refused file gets its own reason and next step and is said to be permanent (Jobs offers
// no Retry on it); files that are not media are named with why they were skipped; the Add server form checks
// its fields as they are typed, keeps a server that cannot be reached yet, and the refused attempt is in the
// audit log by name; no console method name or schema message ever reaches the screen; read-only consoles say
// so on every view; the page loads without a 404 (favicon).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleMethods } from '../electron/core/api.js';
import { generateLoginKeyPair } from '../electron/core/fleet/ssh/login-key.js';
import { chooseAnalyses, dropFile, dropFiles, waitForFile } from './harness/analyze-in-ui.js';
import { browserSuite, chromiumMissing, launchChromium, saveScreenshot, type Browser } from './harness/chromium.js';
import { startConsole, type RunningConsole } from './harness/console-process.js';
import { fixturesDir } from '../test-harness/shared-folder.js';

const fixture = (rel: string): string => join(fixturesDir, rel);

/** Console method names ("servers:add") and zod's wording, which a person must never be shown. */
const methodNames = Object.keys(consoleMethods);
async function expectNoInternalsOnScreen(page: Page): Promise<void> {
  const text = await page.locator('body').innerText();
  for (const name of methodNames) expect(text, `"${name}" on screen`).not.toContain(name);
  expect(text).not.toMatch(/Too big|Too small|expected (number|string)|Invalid input/);
}

describe.skipIf(chromiumMissing)(browserSuite('error texts, skipped files and the Add server form in a real browser'), () => {
  let consoleProcess: RunningConsole;
  let browser: Browser;
  let dir: string;
  const notFound: string[] = [];
  const savedDuration = process.env.MEDIAFLEET_MAX_DURATION_SEC;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mf-ux-e2e-'));
    // The built-in agent inherits it: jfk.wav (11 s) is over the limit, so it is refused with DURATION_LIMIT.
    process.env.MEDIAFLEET_MAX_DURATION_SEC = '5';
    consoleProcess = await startConsole();
    browser = await launchChromium();
    browser.page.on('response', (res) => {
      if (res.status() === 404) notFound.push(res.url());
    });
    await browser.page.goto(consoleProcess.url);
    await browser.page.locator('.agent-state .badge', { hasText: 'running' }).waitFor({ timeout: 180_000 });
  });
  afterAll(async () => {
    if (savedDuration === undefined) delete process.env.MEDIAFLEET_MAX_DURATION_SEC;
    else process.env.MEDIAFLEET_MAX_DURATION_SEC = savedDuration;
    await browser?.close();
    await consoleProcess?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads with its favicon and no 404 at all', async () => {
    const { page } = browser;
    const icon = await page.evaluate(async () => {
      const res = await fetch(document.querySelector<HTMLLinkElement>('link[rel=icon]')!.href);
      return { status: res.status, type: res.headers.get('content-type') };
    });
    expect(icon).toEqual({ status: 200, type: expect.stringMatching(/^image\/svg\+xml/) });
    expect(notFound).toEqual([]);
  });

  it('each refused file says what happened, what to do, and that retrying cannot help; Jobs offers no Retry on them', async () => {
    const { page } = browser;
    await chooseAnalyses(page, []);
    const cases = [
      { file: 'bad/empty.jpg', code: /EMPTY_FILE$/, title: 'The file is empty', next: /drop a complete one/ },
      { file: 'bad/not-an-image.png', code: /UNSUPPORTED_MEDIA$/, title: 'This is not an image, video or audio format the agent reads', next: /Convert it/ },
      { file: 'bad/truncated.jpg', code: /CORRUPT_MEDIA$/, title: 'The file is damaged or cut short, so it cannot be decoded', next: /complete copy/ },
      { file: 'bad/pixel-bomb-30000x30000.png', code: /PIXEL_LIMIT$/, title: 'The image has more pixels than the agent will decode', next: /Scale the image down/ },
      { file: 'audio/jfk.wav', code: /DURATION_LIMIT$/, title: 'The recording is longer than the agent analyses', next: /MEDIAFLEET_MAX_DURATION_SEC/ },
    ];
    for (const c of cases) {
      const name = c.file.split('/').pop()!;
      await dropFile(page, fixture(c.file));
      expect((await waitForFile(page, name, 150_000)).stage, name).toBe('failed');
      const notice = page.locator('.result-pane [role=alert]');
      expect({ name, code: await notice.getAttribute('data-code') }).toEqual({ name, code: expect.stringMatching(c.code) });
      expect(await notice.getAttribute('data-kind')).toBe('permanent');
      expect(await notice.locator('.error-title').innerText()).toBe(c.title);
      expect(await notice.locator('.error-next').innerText()).toMatch(c.next);
      expect(await notice.innerText()).toContain('Permanent: retrying gives the same result.');
      expect(await notice.getByRole('button', { name: 'Retry' }).count()).toBe(0);
      if (name === 'pixel-bomb-30000x30000.png') await saveScreenshot(page, 'error-pixel-limit');
    }
    await expectNoInternalsOnScreen(page);

    await page.getByRole('button', { name: 'Jobs', exact: true }).click();
    await page.getByText(`${cases.length} of ${cases.length} shown`).waitFor();
    const rows = await page.locator('.jobs-row').evaluateAll((els) =>
      els.map((row) => ({
        file: row.querySelector('.job-file')?.textContent,
        error: row.querySelector('.job-error')?.textContent,
        retry: row.querySelectorAll('button').length,
      })),
    );
    for (const c of cases) {
      expect(rows.find((r) => r.file === c.file.split('/').pop())).toEqual({ file: c.file.split('/').pop(), error: `permanent${c.title}`, retry: 0 });
    }
    await saveScreenshot(page, 'jobs-permanent-failures');
  }, 400_000);

  it('names the dropped files that are not media, with why, and sends the rest', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Analyze', exact: true }).click();
    await writeFile(join(dir, 'invoice.pdf'), '%PDF-1.4 not media');
    await writeFile(join(dir, '.DS_Store'), 'finder');
    await writeFile(join(dir, 'photos.zip'), 'PK');
    await dropFiles(page, [join(dir, 'invoice.pdf'), join(dir, '.DS_Store'), join(dir, 'photos.zip'), fixture('images/coffee.png')]);
    const notice = page.getByTestId('skipped-files');
    await notice.waitFor();
    expect(await notice.locator('strong').innerText()).toBe('3 files were not analysed (1 file was sent): only images, videos and audio are.');
    expect(await notice.locator('li').allInnerTexts()).toEqual([
      'invoice.pdf — a document, not an image, video or audio file',
      '.DS_Store — a system file the file manager keeps',
      'photos.zip — an archive: unpack it and drop the media inside',
    ]);
    await saveScreenshot(page, 'analyze-skipped-files');
    expect((await waitForFile(page, 'coffee.png', 150_000)).stage).toBe('done');
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => notice.count()).toBe(0);
  }, 200_000);

  it('Add server: fields are checked as typed, a fixed field loses its message, and nothing bad is sent', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Fleet', exact: true }).click();
    await page.getByRole('button', { name: 'Add a server' }).click();
    const form = page.getByRole('form', { name: 'add a server' });
    const host = form.getByLabel('Host', { exact: true });
    const port = form.getByLabel('SSH port', { exact: true });
    await form.getByLabel('Name', { exact: true }).fill('vps-later');
    await host.fill('ssh://root@203.0.113.10');
    await host.blur();
    await form.getByText('Leave out the scheme: write example.com, not ssh://example.com.').waitFor();
    await host.fill('203.0.113.300');
    await form.getByText('Each number of an IPv4 address is 0–255.').waitFor();
    await host.fill('vps_1.example.com');
    await form.getByText('A domain name has no underscores.').waitFor();
    await port.fill('70000');
    await port.blur();
    await form.getByText('A port is between 1 and 65535; SSH usually listens on 22.').waitFor();
    await form.getByRole('button', { name: 'Add server' }).click();
    // Sent, every field's problem shows: the host, the port, and the password not given yet.
    expect(await form.locator('[aria-invalid=true]').count()).toBe(3);
    await form.getByText("Enter the server's password: the console logs in with it once to install its own key.").waitFor();
    await saveScreenshot(page, 'add-server-checks');
    // Fixed, each message goes at once.
    await host.fill('127.0.0.1');
    await port.fill('1');
    await expect.poll(() => form.locator('.field-error').count()).toBe(1);
    await form.getByLabel('An existing private key').check();
    await expect.poll(() => form.locator('.field-error').allInnerTexts()).toEqual(['Paste the private key, or choose its file.']);
    await expectNoInternalsOnScreen(page);
    // Nothing was sent while the form was wrong.
    const audit = await page.evaluate(async (token) => {
      const res = await fetch('/api/invoke/audit:list', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
      return ((await res.json()) as { data: Array<{ action: string }> }).data;
    }, consoleProcess.token);
    expect(audit.filter((e) => e.action.startsWith('server.'))).toEqual([]);
  });

  it('Add server: the key is masked and read from a file; a bad key and an unreachable server get their own words; it is kept to set up later', async () => {
    const { page } = browser;
    const form = page.getByRole('form', { name: 'add a server' });
    const keyField = form.getByLabel('Private key (kept in the vault, never in the database)');
    expect(await keyField.evaluate((el) => getComputedStyle(el).getPropertyValue('-webkit-text-security'))).toBe('disc');
    await keyField.fill('-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----');
    await form.getByRole('button', { name: 'Add server' }).click();
    const notice = form.getByRole('alert');
    await expect.poll(() => notice.getAttribute('data-code')).toBe('INVALID_KEY');
    expect(await notice.locator('.error-title').innerText()).toBe('The private key cannot be read');
    expect(await notice.getAttribute('data-kind')).toBe('permanent');

    // The real key, from its file; the form clears the old error as soon as the field changes.
    const keyFile = join(dir, 'id_ed25519');
    await writeFile(keyFile, generateLoginKeyPair('e2e').private, { mode: 0o600 });
    await form.getByTestId('key-file-input').setInputFiles(keyFile);
    await form.getByText('from id_ed25519').waitFor();
    await expect.poll(() => notice.count()).toBe(0);
    expect(await keyField.inputValue()).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    await form.getByRole('button', { name: 'Add server' }).click();
    await expect.poll(() => notice.getAttribute('data-code'), { timeout: 30_000 }).toBe('SSH_CONNECT_FAILED');
    expect(await notice.locator('.error-title').innerText()).toBe('The server cannot be reached over SSH');
    expect(await notice.locator('.error-next').innerText()).toMatch(/keep the server and set it up later/);
    await saveScreenshot(page, 'add-server-unreachable');
    await form.getByRole('button', { name: 'Keep it and set it up later' }).click();
    // Kept: its Server view opens, and Fleet knows it.
    await page.getByRole('heading', { name: 'vps-later' }).waitFor({ timeout: 30_000 });
    expect(page.url()).toMatch(/#\/server\/[0-9a-f-]{36}$/);
    await expectNoInternalsOnScreen(page);
  }, 120_000);

  it('the audit log names targets, reads as words, fits the window, and records the refused attempts', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Audit log', exact: true }).click();
    const table = page.getByRole('table', { name: 'audit log' });
    await table.waitFor();
    const rows = await table.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({ action: tr.getAttribute('data-action'), outcome: tr.getAttribute('data-outcome'), cells: [...tr.querySelectorAll('td')].map((td) => (td as HTMLElement).innerText) })),
    );
    const added = rows.find((r) => r.action === 'server.added')!;
    expect(added.cells.slice(2, 4)).toEqual(['Server added', 'vps-later']);
    expect(added.cells[4]).toMatch(/host\s*127\.0\.0\.1[\s\S]*reached\s*no[\s\S]*reason\s*The server cannot be reached over SSH/);
    const refused = rows.filter((r) => r.action === 'server.add-refused');
    expect(refused.map((r) => [r.outcome, r.cells[2], r.cells[3]])).toEqual([
      ['refused', 'Add server refused', 'vps-later'],
      ['refused', 'Add server refused', 'vps-later'],
    ]);
    expect(refused.map((r) => r.cells[4].match(/reason\s*(.*)/)?.[1])).toEqual(['The server cannot be reached over SSH', 'The private key cannot be read']);
    // No raw JSON, no UUID where a name is known, and the table is no wider than the window.
    const text = await table.innerText();
    expect(text).not.toMatch(/[{}"]/);
    expect(text).not.toMatch(/\b[0-9a-f]{8}-[0-9a-f]{4}-/);
    const widths = await page.evaluate(() => ({ table: document.querySelector('.audit-table')!.scrollWidth, window: document.documentElement.clientWidth, page: document.documentElement.scrollWidth }));
    expect(widths.page).toBeLessThanOrEqual(widths.window);
    await saveScreenshot(page, 'audit-log');
  });
});

describe.skipIf(chromiumMissing)(browserSuite('a read-only console in a real browser says so on every view'), () => {
  let consoleProcess: RunningConsole;
  let browser: Browser;
  beforeAll(async () => {
    consoleProcess = await startConsole({ readOnly: true });
    browser = await launchChromium();
    await browser.page.goto(consoleProcess.url);
  });
  afterAll(async () => {
    await browser?.close();
    await consoleProcess?.stop();
  });

  it('a banner on every view, Jobs listed without actions, Faces says what support staff can do', async () => {
    const { page } = browser;
    const banner = page.getByTestId('read-only-banner');
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(/^Read-only console\. You can look at .* Nothing can be changed from here and no secrets are shown/);
    for (const view of ['Fleet', 'Jobs', 'Faces', 'Benchmarks', 'Audit log', 'Settings']) {
      await page.getByRole('button', { name: view, exact: true }).click();
      await banner.waitFor();
    }
    await page.getByRole('button', { name: 'Jobs', exact: true }).click();
    await page.getByText(/Read-only: jobs are listed with their state and reason/).waitFor();
    await page.getByText('Files an operator analyses with this console show up here.').waitFor();
    expect(await page.getByRole('button', { name: 'Analyze a file' }).count()).toBe(0);
    await saveScreenshot(page, 'read-only-jobs');
    await page.getByRole('button', { name: 'Faces', exact: true }).click();
    const persons = page.getByRole('region', { name: 'persons' });
    await persons.getByText(/Support staff can still look at the fleet's health/).waitFor();
    expect(await persons.innerText()).not.toContain("Choose a server's agent above");
    await saveScreenshot(page, 'read-only-faces');
  });
});
