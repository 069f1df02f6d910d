// A person adds a server (a real sshd in a network namespace) from the Fleet view, runs preflight and
// watches provisioning progress step by step in the Server view.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupStaleHosts, harnessUnavailableReason, startSimulatedVps, type SimulatedVps } from '../test-harness/console/simulated-vps.js';
import { chromiumMissing, launchChromium, saveScreenshot, type Browser } from './harness/chromium.js';
import { startConsole, type RunningConsole } from './harness/console-process.js';

const hostsUnavailable = harnessUnavailableReason();
// A namespace index the fleet suites do not use, so both can run on one machine.
const VPS_INDEX = 57;

describe.skipIf(chromiumMissing || hostsUnavailable !== null)(
  `add a server and provision it from the browser (skipped when: no Chromium, or ${hostsUnavailable ?? 'host harness unavailable'})`,
  () => {
    let vps: SimulatedVps;
    let consoleProcess: RunningConsole;
    let browser: Browser;

    beforeAll(async () => {
      vps = await startSimulatedVps({ index: VPS_INDEX });
      consoleProcess = await startConsole({ localAgent: false });
      browser = await launchChromium();
      await browser.page.goto(consoleProcess.url);
    });
    afterAll(async () => {
      await browser?.close();
      await consoleProcess?.stop();
      await vps?.stop();
      if (process.env.MF_E2E_CLEAN_HOSTS) cleanupStaleHosts();
    });

    it('adds the server with a one-time password; the console pins its host key', async () => {
      const { page } = browser;
      await page.getByRole('button', { name: 'Fleet', exact: true }).click();
      await page.getByRole('button', { name: 'Add a server' }).click();
      const form = page.getByRole('form', { name: 'add a server' });
      await form.getByLabel('Name', { exact: true }).fill('e2e-vps');
      await form.getByLabel('Host', { exact: true }).fill(vps.address);
      await form.getByLabel('User', { exact: true }).fill(vps.user);
      await form.getByLabel('Password (used once, never stored)').fill(vps.password);
      await saveScreenshot(page, 'fleet-add-server');
      await form.getByRole('button', { name: 'Add server' }).click();
      // Adding opens the server's own view.
      await page.getByRole('heading', { name: 'e2e-vps' }).waitFor({ timeout: 60_000 });
      expect(await page.getByText(`${vps.user}@${vps.address}:22`).count()).toBe(1);
    });

    it('runs preflight and shows the facts', async () => {
      const { page } = browser;
      await page.getByRole('button', { name: 'Run preflight' }).click();
      const facts = page.getByRole('region', { name: 'preflight' });
      await facts.getByText('CPU / RAM').waitFor({ timeout: 60_000 });
      expect(await facts.locator('.checks li').count()).toBeGreaterThan(0);
      await saveScreenshot(page, 'server-preflight');
    });

    it('provisions with a live step list that ends with every step applied', async () => {
      const { page } = browser;
      await page.getByRole('button', { name: 'Provision', exact: true }).click();
      const steps = page.getByRole('region', { name: 'provisioning' }).getByTestId('operation-steps');
      await steps.locator('li').first().waitFor({ timeout: 60_000 });
      await saveScreenshot(page, 'server-provisioning');
      const region = page.getByRole('region', { name: 'provisioning' });
      await region.locator('.badge', { hasText: /^(succeeded|failed|canceled)$/ }).first().waitFor({ timeout: 200_000 });
      await saveScreenshot(page, 'server-provisioned');
      expect(await region.locator('.badge').first().innerText()).toBe('succeeded');
      const statuses = await steps.locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-status')));
      expect(statuses.length).toBeGreaterThanOrEqual(3);
      expect(statuses.every((s) => s === 'applied' || s === 'satisfied')).toBe(true);
      expect(await region.getByLabel('provisioning log').innerText()).not.toBe('');
    });

    it('opens a terminal on the server and runs a command in it', async () => {
      const { page } = browser;
      await page.getByRole('button', { name: 'Open terminal' }).click();
      const term = page.locator('.terminal-host .xterm');
      await term.waitFor();
      await page.waitForTimeout(1500); // the remote shell prints its prompt
      await term.click();
      await page.keyboard.type('echo mf-$((40+2))');
      await page.keyboard.press('Enter');
      // The canvas renderer draws the cells; the screen-reader rows carry the same text in the DOM.
      await expect.poll(() => page.locator('.terminal-host .xterm-accessibility-tree').innerText(), { timeout: 20_000 }).toContain('mf-42');
      await saveScreenshot(page, 'server-terminal');
      await page.getByRole('button', { name: 'Close terminal' }).click();
    });

    it('the audit log records the server being added and provisioned', async () => {
      const { page } = browser;
      await page.getByRole('button', { name: 'Audit log', exact: true }).click();
      await page.locator('table.table tbody tr').first().waitFor();
      const text = await page.locator('table.table').innerText();
      expect(text).toMatch(/server/i);
      await saveScreenshot(page, 'audit-log');
    });
  },
);
