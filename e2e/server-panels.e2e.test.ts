// The Server view in a real browser against the real headless console and a real sshd (a network-namespace
// host): containers, deploy (validation, confirmation, a real operation with progress and cancel), HTTPS
// status and form, and a terminal that runs a command — with no Content-Security-Policy violation at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupStaleHosts, harnessUnavailableReason, startSimulatedVps, type SimulatedVps } from '../test-harness/console/simulated-vps.js';
import { chromiumMissing, launchChromium, saveScreenshot, type Browser } from './harness/chromium.js';
import { startConsole, type RunningConsole } from './harness/console-process.js';

const hostsUnavailable = harnessUnavailableReason();
// Namespace indexes the fleet suites and provision.e2e (57) do not use.
const VPS_INDEX = 58;

describe.skipIf(chromiumMissing || hostsUnavailable !== null)(
  `Server view panels and terminal in the browser (skipped when: no Chromium, or ${hostsUnavailable ?? 'host harness unavailable'})`,
  () => {
    let vps: SimulatedVps;
    let consoleProcess: RunningConsole;
    let browser: Browser;
    const cspViolations: string[] = [];

    beforeAll(async () => {
      [vps, consoleProcess] = await Promise.all([startSimulatedVps({ index: VPS_INDEX }), startConsole({ localAgent: false })]);
      browser = await launchChromium();
      // Both ways Chromium reports a CSP violation: the DOM event (caught from the first script on) and the
      // console message ("Refused to apply inline style ...").
      await browser.context.addInitScript({
        content: `document.addEventListener('securitypolicyviolation', (e) => console.error('CSP-VIOLATION ' + e.violatedDirective + ' ' + e.blockedURI + ' at ' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber));`,
      });
      browser.page.on('console', (msg) => {
        const text = msg.text();
        if (text.startsWith('CSP-VIOLATION') || /Content Security Policy/i.test(text)) cspViolations.push(text);
      });
      await browser.page.goto(consoleProcess.url);
      // The server is added through the API (the Fleet form is provision.e2e's path); password once, then a key.
      const added = await browser.page.evaluate(
        async ({ token, host, user, password }) => {
          const res = await fetch('/api/invoke/servers:add', {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'e2e-panels', host, user, auth: { kind: 'generate', password } }),
          });
          return (await res.json()) as { ok: boolean; error?: { message: string } };
        },
        { token: consoleProcess.token, host: vps.address, user: vps.user, password: vps.password },
      );
      expect(added, JSON.stringify(added)).toMatchObject({ ok: true });
    });
    afterAll(async () => {
      await browser?.close();
      await consoleProcess?.stop();
      await vps?.stop();
      if (process.env.MF_E2E_CLEAN_HOSTS) cleanupStaleHosts();
    });

    it('shows every panel of the server, and the containers panel answers (a list, an empty state or a coded error)', async () => {
      const { page } = browser;
      await page.getByRole('button', { name: 'Server', exact: true }).click();
      await page.getByRole('heading', { name: 'e2e-panels' }).waitFor();
      for (const region of ['preflight', 'provisioning', 'containers', 'deploy', 'https', 'terminal']) {
        await page.getByRole('region', { name: region }).waitFor();
      }
      const containers = page.getByRole('region', { name: 'containers' });
      const answered = containers.locator('table, [role=alert], p.muted:not(:has-text("Loading"))').first();
      await answered.waitFor({ timeout: 60_000 });
      const text = await containers.innerText();
      // Whatever the core answers, the person reads either containers, the next step, or a stable code.
      expect(text).toMatch(/mediafleet|No agent container|[A-Z][A-Z_]{3,}/);
      await saveScreenshot(page, 'server-panels');
    });

    it('deploy asks for the deploy settings first, saves them, checks its form against the contract and asks before a rollback', async () => {
      const { page } = browser;
      const deploy = page.getByRole('region', { name: 'deploy' });
      const settings = deploy.getByRole('form', { name: 'deploy settings' });
      await settings.getByLabel('Domain the agent is served under').fill('agent.e2e.test');
      await settings.getByLabel('Agent version').fill('0.1.0');
      await settings.getByRole('button', { name: 'Save deploy settings' }).click();
      await deploy.getByTestId('deploy-settings-summary').waitFor();
      expect(await deploy.getByTestId('deploy-settings-summary').innerText()).toContain('mediafleet/agent:0.1.0');
      await deploy.getByLabel('Version', { exact: true }).fill('not a version!');
      await deploy.getByRole('button', { name: 'Deploy', exact: true }).click();
      await deploy.locator('.field-error').first().waitFor();
      await deploy.getByRole('button', { name: 'Roll back…' }).click();
      const question = deploy.getByRole('alertdialog');
      await question.waitFor();
      await saveScreenshot(page, 'server-deploy-confirm');
      await question.getByRole('button', { name: 'Keep as is' }).click();
      expect(await deploy.getByRole('alertdialog').count()).toBe(0);
    });

    it('a restart either runs as an operation with progress that ends with a reason, or says why it cannot start', async () => {
      const { page } = browser;
      const deploy = page.getByRole('region', { name: 'deploy' });
      await deploy.getByRole('button', { name: 'Restart…' }).click();
      await deploy.getByRole('alertdialog').getByRole('button', { name: 'Restart', exact: true }).click();
      const outcome = deploy.locator('[role=group][data-state], [role=alert]').first();
      await outcome.waitFor({ timeout: 60_000 });
      const operation = deploy.getByRole('group', { name: 'Restart operation' });
      if (await operation.count()) {
        // No agent was ever deployed on this host: the restart must end (or be canceled) and say why.
        const ended = await operation
          .and(page.locator(':not([data-state=running])'))
          .waitFor({ timeout: 45_000 })
          .then(() => true)
          .catch(() => false);
        if (!ended) {
          await operation.getByRole('button', { name: 'Cancel' }).click();
          await operation.and(page.locator(':not([data-state=running])')).waitFor({ timeout: 60_000 });
        }
        const state = await operation.getAttribute('data-state');
        expect(['succeeded', 'failed', 'canceled']).toContain(state);
        if (state !== 'succeeded') expect(await operation.getByRole('alert').innerText()).toMatch(/[A-Z][A-Z_]{3,}/);
      } else {
        expect(await deploy.getByRole('alert').innerText()).toMatch(/[A-Z][A-Z_]{3,}/);
      }
      await saveScreenshot(page, 'server-restart');
    });

    it('HTTPS shows the certificate state or a coded error, and checks domain and e-mail before asking the CA', async () => {
      const { page } = browser;
      const https = page.getByRole('region', { name: 'https' });
      await https.locator('dl[aria-label=certificate], [role=alert]').first().waitFor({ timeout: 30_000 });
      await https.getByLabel('Domain').fill('x');
      await https.getByLabel('E-mail for expiry notices').fill('not-an-email');
      await https.getByRole('button', { name: 'Enable HTTPS' }).click();
      expect(await https.locator('.field-error').count()).toBe(2);
      expect(await https.getByRole('group', { name: 'HTTPS operation' }).count()).toBe(0);
      await saveScreenshot(page, 'server-https');
    });

    it('opens a terminal on the server, the typed command runs there, its output shows, and the CSP blocked nothing', async () => {
      const { page } = browser;
      await page.getByRole('button', { name: 'Open terminal' }).click();
      const term = page.locator('.terminal-host .xterm');
      await term.waitFor();
      expect(await page.locator('.terminal-host canvas').count()).toBeGreaterThan(0); // the canvas renderer draws it
      await page.waitForTimeout(1500); // the remote shell prints its prompt
      await term.click();
      const marker = `/tmp/mf-e2e-terminal-${process.pid}-${Date.now()}`;
      await page.keyboard.type(`echo mf-$((40+2)) | tee ${marker}`);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('.terminal-host .xterm-accessibility-tree').innerText(), { timeout: 20_000 }).toContain('mf-42');
      // The command ran on the server itself, not just on the screen.
      expect(vps.exec(`cat ${marker} && rm -f ${marker}`).trim()).toBe('mf-42');
      await saveScreenshot(page, 'server-terminal-canvas');
      await page.getByRole('button', { name: 'Close terminal' }).click();
      expect(cspViolations).toEqual([]);
    });
  },
);
