// Support staff watch spend: after a GPU rental on the fake Vast.ai, a read-only console shows it in Costs in a
// real Chromium: the budget gauge past 100 %, the GPU part of today's bar, the alerts at 50, 80 and 100 %, the
// rental in the metered table, the app-wide banner on every view, a CSV download, and no change offered.
// A read-only console cannot rent, so the rental is scripted first through the console core directly on the
// same data directory (openRentalConsole: the core as the shells build it, its Vast client aimed at the fake,
// a real agent started in the instance), with a budget small enough that a few seconds of it reach 100 %; the
// rental is destroyed before the read-only console starts, so its spend is final.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CostsSummary } from '../electron/core/contracts/costs.js';
import type { RentalView } from '../electron/core/contracts/vast.js';
import { VastClient } from '../electron/core/vast/vast-client.js';
import type { FakeVast } from '../test-harness/vast/fake-vast.js';
import { configureVast, destroyLeftovers, openRentalConsole, startFakeVastWithAgents, testVaultPassphrase } from '../test-harness/vast/rental-test-console.js';
import { browserSuite, chromiumMissing, launchChromium, saveScreenshot, type Browser } from './harness/chromium.js';
import { startConsole, type RunningConsole } from './harness/console-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(chromiumMissing)(browserSuite('Costs in a read-only console after a rental on the fake Vast.ai'), () => {
  let fake: FakeVast;
  let vast: VastClient;
  let dataDir: string;
  let consoleProcess: RunningConsole;
  let browser: Browser;
  let spent: CostsSummary;
  let rental: RentalView;

  beforeAll(async () => {
    ({ fake, vast } = await startFakeVastWithAgents({ seed: 14 }));
    dataDir = await mkdtemp(join(tmpdir(), 'mf-costs-e2e-'));
    const operator = openRentalConsole({ dir: dataDir, fakeUrl: fake.url });
    const ok = async <T,>(method: string, input: unknown): Promise<T> => {
      const answer = await operator.invoke(method, input);
      if (!answer.ok) throw new Error(`${method}: ${answer.error.code} ${answer.error.message}`);
      return answer.data as T;
    };
    try {
      await configureVast(operator, fake.apiKey);
      // The dearest offer, and a budget it spends in about 10 s of running (at least a cent, so it reads).
      const offers = await vast.searchOffers({ diskGb: 32, verifiedOnly: false });
      const offer = offers.reduce((a, b) => (b.dphTotal > a.dphTotal ? b : a));
      const budget = Math.max(0.01, Math.round(((offer.dphTotal * 10) / 3600) * 100) / 100);
      await ok('costs:settings-set', { displayCurrency: 'USD', monthlyBudget: budget });
      const { operationId } = await ok<{ operationId: string }>('vast:rent', { offerId: offer.id, diskGb: 32, filters: { verifiedOnly: false }, maxAttempts: 1 });
      expect(await operator.operations.settled(operationId)).toBe('succeeded');
      // The ledger's tick, as the console runs it every 10 s, until the budget is spent (alerts raised on the way).
      const deadline = Date.now() + 60_000;
      while ((operator.costs.budget.status().monthPercent ?? 0) < 100) {
        if (Date.now() > deadline) throw new Error(`the budget of ${budget} USD was not reached in 60 s: ${JSON.stringify(operator.costs.budget.status())}`);
        operator.costs.tick();
        await sleep(500);
      }
      operator.costs.tick();
      [rental] = await ok<RentalView[]>('vast:rentals', {});
      await ok('vast:destroy', { rentalId: rental!.rentalId });
      operator.costs.tick();
      spent = await ok<CostsSummary>('costs:summary', {});
    } finally {
      await operator.close();
    }
    expect(spent.alerts.map((a) => a.threshold)).toEqual([100, 80, 50]);
    consoleProcess = await startConsole({ readOnly: true, localAgent: false, dataDir, env: { MEDIAFLEET_VAULT_PASSPHRASE: testVaultPassphrase } });
    browser = await launchChromium();
    await browser.page.goto(consoleProcess.url);
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    await consoleProcess?.stop();
    // Nothing rented may outlive the test, whatever failed.
    if (fake) {
      await destroyLeftovers(fake, vast);
      await fake.close();
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('the banner is on every view; Costs shows the gauge past the budget, the GPU spend of today, the alerts and the rental', async () => {
    const { page } = browser;
    await page.getByTestId('read-only-badge').waitFor();
    const banner = page.getByTestId('budget-banner');
    await banner.waitFor();
    const budget = spent.budget.monthly!.amount.toFixed(2);
    expect(await banner.textContent()).toMatch(new RegExp(`^Budget 100 % reached: \\d+\\.\\d\\d USD of ${budget.replace('.', '\\.')} USD this month · GPU rentals are stopped`));
    await page.getByRole('button', { name: 'Fleet', exact: true }).click();
    await banner.waitFor();
    await banner.getByRole('link', { name: 'Open Costs' }).click();
    await page.getByRole('heading', { name: 'Costs', level: 1 }).waitFor();

    const gauge = page.getByTestId('budget-gauge');
    await gauge.waitFor();
    expect(await gauge.getAttribute('aria-label')).toMatch(new RegExp(`^USD\\s\\d+\\.\\d\\d of USD\\s${budget.replace('.', '\\.')} spent this month \\(\\d{3} %\\)`));
    expect(await page.locator('figure.cost-gauge').getAttribute('data-tone')).toBe('bad');
    expect(await page.getByRole('region', { name: 'Budget' }).getByText('GPU rentals stopped').count()).toBe(1);

    // Today's bar has a GPU part (the rental), in the display currency.
    const today = spent.days.at(-1)!.day;
    const gpuBar = page.locator(`[data-testid="daily-chart"] g[data-day="${today}"] rect[data-kind="gpu"]`);
    expect(Number(await gpuBar.getAttribute('height'))).toBeGreaterThan(0);
    expect(await page.getByTestId('daily-chart').getAttribute('aria-label')).toBe('spend per day in USD, servers and GPU rentals');

    const alerts = page.getByRole('region', { name: 'Budget alerts' });
    for (const threshold of [100, 80, 50]) await alerts.getByText(new RegExp(`${threshold} % of the monthly budget \\(${spent.month}\\): USD`)).waitFor();

    const metered = page.getByRole('table', { name: 'servers and GPU rentals' });
    const row = metered.locator('tr', { hasText: 'GPU rental' });
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toMatch(/GPU rentalclosedUSD\s\d+\.\d+ \/ h/);
    await saveScreenshot(page, 'costs-read-only');
  });

  it('downloads the metered table as CSV in the browser, and offers no change', async () => {
    const { page } = browser;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('region', { name: 'What is metered' }).getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`costs-${spent.month}-servers-and-rentals.csv`);
    const text = (await readFile((await download.path())!, 'utf8')).replace(/^\uFEFF/, '');
    const [header, line] = text.split('\r\n');
    expect(header).toBe('name,kind,source id,state,rate,rate currency,rate per,metered since,spent (USD)');
    expect(line).toMatch(new RegExp(`^[^,]+,GPU rental,${rental.rentalId},closed,\\d+(\\.\\d+)?,USD,hour,[^,]+,\\d+(\\.\\d+)?$`));

    const settings = page.getByRole('region', { name: 'Cost settings' });
    await settings.waitFor();
    expect(await settings.getByText(/read-only: budgets, rates and prices are shown/).count()).toBe(1);
    expect(await settings.getByRole('button', { name: 'Save settings' }).isDisabled()).toBe(true);
    expect(await page.getByTestId('budget-banner').getByRole('button', { name: 'Dismiss' }).count()).toBe(1);
  });
});
