// Money from the command line (`npm run console -- costs|budget set …` as a real process) against a temporary
// data directory: the spend the ledger holds (a server priced for one hour, written through the console core on
// a manual clock before), as a table and as JSON equal to the core's own summary; who spent it by agent; the
// budget set through the same contract method as the form (its validation: exit 2 for a negative amount; its
// audit entry; the alerts it raises); usage errors exit 2 and change nothing.
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../test-harness/console/costs-fixture.js';
import { createConsoleCore, type ConsoleCore } from '../core/console-core.js';
import type { AuditEntry } from '../core/contracts/audit.js';
import type { CostsSummary } from '../core/contracts/costs.js';
import { ServersRepository } from '../core/fleet/servers-repository.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const cli = join(root, 'electron/server/cli.ts');
const passphrase = 'costs cli test passphrase';

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, env: { ...process.env, MEDIAFLEET_VAULT_PASSPHRASE: passphrase } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

let dir: string;
let data: string;

/** The console core on the same data directory, as the console opens it. */
function openCore(now?: () => Date): ConsoleCore {
  return createConsoleCore({
    storePath: join(data, 'console.sqlite'),
    vault: { kind: 'file', path: join(data, 'vault.bin'), passphrase },
    requests: { run: false },
    ...(now ? { now } : {}),
  });
}

async function ok<T>(core: ConsoleCore, method: string, input: unknown): Promise<T> {
  const answer = await core.invoke(method, input);
  if (!answer.ok) throw new Error(`${method}: ${answer.error.code} ${answer.error.message}`);
  return answer.data as T;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mf-costs-cli-'));
  data = join(dir, 'data');
  // One hour of a server at 744 EUR a month, ending an hour ago, then its price removed: the ledger holds a
  // fixed amount whatever the time the CLI runs at (a price removed stops the meter).
  const clock = new ManualClock(Date.now() - 2 * 3_600_000);
  const core = openCore(clock.now);
  const serverId = randomUUID();
  new ServersRepository(core.db).insert({ id: serverId, name: 'vps-paris', host: '192.0.2.10', port: 22, user: 'root', authKind: 'key', hostKeyFingerprint: null, createdAt: clock.now().toISOString() });
  await ok(core, 'costs:settings-set', { displayCurrency: 'EUR', rates: { USD: 0.9 }, monthlyBudget: null });
  await ok(core, 'costs:server-price-set', { serverId, monthlyPrice: 744, currency: 'EUR' });
  clock.advance(3_600_000);
  await ok(core, 'costs:server-price-set', { serverId, monthlyPrice: null, currency: 'EUR' });
  await core.close();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('costs and budget from the command line', () => {
  it('costs: the month as the core sums it, as JSON and as a table with every figure in its currency', async () => {
    const json = await runCli(['costs', '--data', data, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const fromCli = JSON.parse(json.stdout) as CostsSummary;
    const core = openCore();
    const fromCore = await ok<CostsSummary>(core, 'costs:summary', {});
    await core.close();
    expect(fromCli.monthToDate).toEqual(fromCore.monthToDate);
    expect(fromCli.currency).toBe('EUR');
    // 744 EUR over the month's seconds, for one hour (the hour may straddle a month's start: then less).
    const month = new Date();
    const days = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 0)).getUTCDate();
    expect(fromCli.monthToDate.total.amount).toBeGreaterThan(0);
    expect(fromCli.monthToDate.total.amount).toBeLessThanOrEqual(744 / (days * 24) + 1e-9);
    expect(fromCli.sources).toEqual([expect.objectContaining({ label: 'vps-paris', sourceKind: 'vps', state: 'closed' })]);

    const text = await runCli(['costs', '--data', data]);
    expect(text.code, text.stderr).toBe(0);
    const spent = fromCore.monthToDate.total.amount.toFixed(2);
    expect(text.stdout).toMatch(new RegExp(`^Costs ${fromCore.month} in EUR`));
    expect(text.stdout).toMatch(new RegExp(`Spent this month +${spent.replace('.', '\\.')} EUR \\(servers ${spent.replace('.', '\\.')} EUR, GPU rentals 0\\.00 EUR\\)`));
    expect(text.stdout).toMatch(/Monthly budget +none/);
    expect(text.stdout).toMatch(/NAME +KIND +STATE +RATE +SPENT \(EUR\)\nvps-paris +server +closed +744\.00 EUR \/ month/);
  }, 60_000);

  it('costs --by agent: the server, which ran nothing, is all idle; --by client has no one', async () => {
    const byAgent = await runCli(['costs', '--by', 'agent', '--data', data, '--json']);
    expect(byAgent.code, byAgent.stderr).toBe(0);
    const doc = JSON.parse(byAgent.stdout) as { by: string; total: { amount: number; currency: string }; idle: { amount: number }; rows: Array<{ source: string; cost: { amount: number }; idle: { amount: number } }> };
    expect(doc.by).toBe('agent');
    expect(doc.total.currency).toBe('EUR');
    expect(doc.rows).toEqual([expect.objectContaining({ source: 'vps-paris' })]);
    expect(doc.rows[0]!.cost.amount).toBeCloseTo(doc.total.amount, 9);
    expect(doc.idle.amount).toBeCloseTo(doc.total.amount, 9);
    const byClient = await runCli(['costs', '--by', 'client', '--data', data]);
    expect(byClient.code, byClient.stderr).toBe(0);
    expect(byClient.stdout).toMatch(/^Costs \d{4}-\d{2} by client in EUR: .* 0 requests .*\n(CLIENT +REQUESTS +COST \(EUR\)\n\(idle: agents that ran nothing\) +- +\d+\.\d\d|Nothing was spent by client)/);
  }, 60_000);

  it('budget set: through the contract (its validation, its audit entry), raising the alerts the spend has reached', async () => {
    const core0 = openCore();
    const spent = (await ok<CostsSummary>(core0, 'costs:summary', {})).monthToDate.total.amount;
    await core0.close();

    const negative = await runCli(['budget', 'set', '--monthly', '-5', '--data', data, '--json']);
    expect(negative.code).toBe(2);
    expect(JSON.parse(negative.stdout)).toMatchObject({ error: { code: 'INVALID_INPUT', message: expect.stringMatching(/^monthlyBudget: /) } });
    expect((await runCli(['budget', 'set', '--monthly', 'lots', '--data', data])).code).toBe(2);
    const wrongCurrency = await runCli(['budget', 'set', '--monthly', '5', '--currency', 'GBP', '--data', data, '--json']);
    expect(wrongCurrency.code).toBe(1);
    // The ledger holds EUR and Vast bills in USD: shown in GBP, both need a rate, and nothing is saved without them.
    expect(JSON.parse(wrongCurrency.stdout)).toMatchObject({ error: { code: 'COSTS_RATE_MISSING', message: expect.stringMatching(/1 EUR, 1 USD is worth in GBP/) } });

    // A budget 1.2 times the spend: 83 % of it is spent, so the 50 and 80 % alerts are raised now.
    const budget = Math.round(spent * 1.2 * 100) / 100;
    const set = await runCli(['budget', 'set', '--monthly', String(budget), '--daily', '100', '--data', data]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(new RegExp(`^monthly budget ${budget.toFixed(2).replace('.', '\\.')} EUR, daily 100\\.00 EUR\\nthis month: \\d+\\.\\d\\d EUR spent \\(8\\d\\.\\d %\\); GPU rentals allowed`));

    const core = openCore();
    const settings = await ok<{ monthlyBudget: { amount: number } | null; dailyBudget: { amount: number } | null; rates: Record<string, number> }>(core, 'costs:settings-get', {});
    const audit = await ok<AuditEntry[]>(core, 'audit:list', { limit: 50 });
    await core.close();
    expect(settings).toMatchObject({ monthlyBudget: { amount: budget }, dailyBudget: { amount: 100 }, rates: { USD: 0.9 } });
    // Only the valid call changed anything: two settings saves (the test's own before, then this one).
    const saves = audit.filter((e) => e.action === 'costs.settings-saved');
    expect(saves).toHaveLength(2);
    expect(saves[0]).toMatchObject({ actor: 'operator', detail: { monthlyBudget: budget, dailyBudget: 100, displayCurrency: 'EUR' } });
    expect(audit.filter((e) => e.action === 'costs.budget-alert').map((e) => e.detail.threshold).sort()).toEqual([50, 80]);

    const costs = await runCli(['costs', '--data', data]);
    expect(costs.stdout).toMatch(/Alerts:\nTHRESHOLD +BUDGET +SPENT +OF +RAISED +WEBHOOK\n80 % +monthly \d{4}-\d\d .*\n50 % +monthly/);

    // Left out, the daily budget is kept.
    const again = await runCli(['budget', 'set', '--monthly', 'none', '--data', data, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ settings: { monthlyBudget: null, dailyBudget: { amount: 100, currency: 'EUR' } }, budget: { monthPercent: null } });
  }, 90_000);

  it('a usage error exits 2: an unknown --by, a month that is not one', async () => {
    expect((await runCli(['costs', '--by', 'server', '--data', data])).code).toBe(2);
    const month = await runCli(['costs', '--month', '2026-13', '--data', data, '--json']);
    expect(month.code).toBe(2);
    expect(JSON.parse(month.stdout)).toMatchObject({ error: { code: 'INVALID_INPUT' } });
  }, 60_000);
});
