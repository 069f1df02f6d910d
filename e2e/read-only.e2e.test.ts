// Support staff run `npm run console -- --read-only`: they can look at health, spend, benchmarks and the audit
// log, and the console refuses every change, in the UI and at the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, chromiumMissing, launchChromium, saveScreenshot, type Browser } from './harness/chromium.js';
import { startConsole, type RunningConsole } from './harness/console-process.js';

describe.skipIf(chromiumMissing)(browserSuite('read-only console in a real browser'), () => {
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

  it('shows it is read-only and offers no way to analyse or add a server', async () => {
    const { page } = browser;
    await page.getByTestId('read-only-badge').waitFor();
    await page.getByText('This console is read-only: analysing files is turned off.').waitFor();
    expect(await page.getByTestId('file-input').count()).toBe(1); // present but unreachable: no button opens it
    expect(await page.getByRole('button', { name: 'Choose files…' }).count()).toBe(0);
    await saveScreenshot(page, 'read-only-analyze');
    await page.getByRole('button', { name: 'Fleet', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Add a server' }).isDisabled()).resolves.toBe(true);
    await saveScreenshot(page, 'read-only-fleet');
  });

  it('refuses changes at the API even when the page is bypassed, and still answers reads', async () => {
    const { page } = browser;
    const answers = await page.evaluate(async (token) => {
      const call = async (method: string, body: unknown) => {
        const res = await fetch(`/api/invoke/${method}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as { ok: boolean; error?: { code: string } } };
      };
      const form = new FormData();
      form.append('file', new Blob(['x']), 'a.jpg');
      const upload = await fetch('/api/upload', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
      return {
        add: await call('servers:add', { name: 'x', host: '10.0.0.1', user: 'root', auth: { kind: 'agent' } }),
        submit: await call('analyze:submit', { path: '/etc/passwd' }),
        shell: await call('shell:open', { target: 'local' }),
        health: await call('health:snapshot', {}),
        audit: await call('audit:list', {}),
        upload: upload.status,
      };
    }, consoleProcess.token);
    for (const refused of [answers.add, answers.submit, answers.shell]) {
      expect(refused.status).toBe(403);
      expect(refused.body.error?.code).toBe('READ_ONLY');
    }
    expect(answers.upload).toBe(403);
    expect(answers.health.body.error?.code).not.toBe('READ_ONLY');
    expect(answers.audit.body).toMatchObject({ ok: true });
  });

  it('a page without the token cannot use the API', async () => {
    const { page } = browser;
    const status = await page.evaluate(async () => (await fetch('/api/invoke/audit:list', { method: 'POST', body: '{}' })).status);
    expect(status).toBe(401);
  });
});
