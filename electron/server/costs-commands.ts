// Money from the command line, on the same core and store as the console (a console may run on the same data
// directory at the same time), through the same contract methods, so validation and audit are the UI's:
//   costs [--month YYYY-MM] [--by client|agent|batch] [--json]
//   budget set --monthly AMOUNT|none [--daily AMOUNT|none] [--currency EUR] [--rate USD=0.92 …] [--json]
// Plain-text tables by default, one JSON document with --json. Exit codes as the fleet commands: 0 done,
// 1 refused (its code and message on stderr), 2 a usage error (a bad option, or input the contract refuses).
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ConsoleCore } from '../core/console-core.js';
import { moneyText, type CostAttribution, type CostSettings, type CostsSummary } from '../core/contracts/costs.js';
import { CommandError, data, dataOption, jsonOption, print, table, withCore, type Common } from './fleet-commands.js';

/** "500", "499.90", "499,90" or "none" (no budget); anything else is a usage error. */
function parseAmount(value: string): number | 'none' {
  // Not null: commander turns a parser's null into an empty string.
  if (value.trim().toLowerCase() === 'none') return 'none';
  const amount = Number(value.trim().replace(',', '.'));
  if (value.trim() === '' || !Number.isFinite(amount)) throw new InvalidArgumentError('an amount such as 500 or 499.90, or none');
  // The range (positive, at most 1e9) is the contract's to check, as it is for the form.
  return amount;
}

/** "USD=0.92": how much one USD is worth in the display currency; repeatable. */
function collectRate(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const match = /^([A-Za-z]{3})=(.+)$/.exec(value.trim());
  const rate = match ? Number(match[2]!.replace(',', '.')) : Number.NaN;
  if (!match || !Number.isFinite(rate)) throw new InvalidArgumentError('a rate as CUR=number, e.g. USD=0.92');
  return { ...previous, [match[1]!.toUpperCase()]: rate };
}

const percentText = (p: number | null) => (p === null ? '' : `${p.toFixed(1)} %`);

function summaryText(s: CostsSummary): string {
  const { budget } = s;
  const facts: string[][] = [
    ['Spent this month', `${moneyText(s.monthToDate.total)} (servers ${moneyText(s.monthToDate.vps)}, GPU rentals ${moneyText(s.monthToDate.gpu)})`],
    ...(s.current ? [['Today', `${moneyText(s.today)}${budget.daily ? ` of ${moneyText(budget.daily)} (${percentText(budget.dayPercent)})` : ''}`]] : []),
    ['Monthly budget', budget.monthly ? `${moneyText(budget.monthly)}, ${percentText(budget.monthPercent)} spent` : 'none'],
    ['Daily budget', budget.daily ? moneyText(budget.daily) : 'none'],
  ];
  if (s.forecast) facts.push(['Forecast, month end', `${moneyText(s.forecast.total)} (servers ${moneyText(s.forecast.fixed)}, GPU so far ${moneyText(s.forecast.gpuSoFar)}, rest ${moneyText(s.forecast.gpuRest)})`]);
  if (s.current) facts.push(['GPU rentals', budget.allowsRental ? 'allowed' : `stopped: ${budget.refusal ?? ''}`]);
  const lines = [`Costs ${s.month} in ${s.currency}${s.accruedUntil ? `, counted up to ${s.accruedUntil}` : ''}`, table(facts)];
  lines.push('', s.alerts.length ? 'Alerts:' : 'Alerts: none');
  if (s.alerts.length) {
    lines.push(
      table([
        ['THRESHOLD', 'BUDGET', 'SPENT', 'OF', 'RAISED', 'WEBHOOK'],
        ...s.alerts.map((a) => [`${a.threshold} %`, `${a.period === 'month' ? 'monthly' : 'daily'} ${a.periodKey}`, moneyText(a.spent), moneyText(a.budget), a.raisedAt, a.webhookError ? `${a.webhook}: ${a.webhookError}` : a.webhook]),
      ]),
    );
  }
  lines.push('', s.sources.length ? table([['NAME', 'KIND', 'STATE', 'RATE', `SPENT (${s.currency})`], ...s.sources.map((x) => [x.label, x.sourceKind === 'vps' ? 'server' : 'GPU rental', x.state, `${moneyText(x.rate)} / ${x.rate.per === 'hour' ? 'h' : 'month'}`, x.spent.amount.toFixed(2)])]) : 'Nothing is metered: no server has a price and no GPU was rented.');
  return lines.join('\n');
}

type Cut = 'client' | 'agent' | 'batch';

function attributionRows(a: CostAttribution, by: Cut): Array<Record<string, unknown>> {
  if (by === 'client') return a.byClient.map((r) => ({ client: r.clientLabel, requests: r.requests, cost: r.cost }));
  if (by === 'batch') return a.byBatch.map((r) => ({ batchId: r.batchId, batch: r.label, client: r.clientLabel, requests: r.requests, cost: r.cost }));
  return a.byAgent.map((r) => ({ source: r.label, kind: r.sourceKind, agents: r.agents.map((x) => x.name), busySeconds: r.busySeconds, requests: r.requests, cost: r.cost, idle: r.idle }));
}

function attributionText(a: CostAttribution, by: Cut, month: string): string {
  const c = a.total.currency;
  const head = `Costs ${month} by ${by} in ${c}: ${moneyText(a.total)} in all, ${moneyText(a.attributed)} shared among ${a.requestCount} requests by busy time, ${moneyText(a.idle)} idle`;
  const amount = (m: { amount: number }) => m.amount.toFixed(2);
  const rows =
    by === 'client'
      ? [['CLIENT', 'REQUESTS', `COST (${c})`], ...a.byClient.map((r) => [r.clientLabel ?? '(no client label)', String(r.requests), amount(r.cost)]), ...(a.idle.amount > 0 ? [['(idle: agents that ran nothing)', '-', amount(a.idle)]] : [])]
      : by === 'batch'
        ? [['BATCH', 'ID', 'CLIENT', 'REQUESTS', `COST (${c})`], ...a.byBatch.map((r) => [r.label, r.batchId, r.clientLabel ?? '(no client label)', String(r.requests), amount(r.cost)])]
        : [['SERVER OR RENTAL', 'AGENTS', 'BUSY S', 'REQUESTS', `COST (${c})`, `IDLE (${c})`], ...a.byAgent.map((r) => [r.label, r.agents.map((x) => x.name).join(', ') || '-', String(Math.round(r.busySeconds)), String(r.requests), amount(r.cost), amount(r.idle)])];
  return rows.length > 1 ? `${head}\n${table(rows)}` : `${head}\nNothing was spent by ${by} in ${month}.`;
}

/** The ledger brought up to now first: no console may be running to tick it. */
function accrued(core: ConsoleCore): ConsoleCore {
  core.costs.accrueNow();
  return core;
}

export function addCostsCommands(program: Command): void {
  program
    .command('costs')
    .description("a month's spend across servers and GPU rentals against the budget, or who spent it")
    .option('--month <YYYY-MM>', 'the UTC month (default: this one)')
    .addOption(new Option('--by <cut>', 'who spent it: per client label, agent or batch').choices(['client', 'agent', 'batch']))
    .addOption(dataOption())
    .addOption(jsonOption())
    .action((opts: Common & { month?: string; by?: Cut }) =>
      withCore(opts, {}, async (core) => {
        accrued(core);
        const summary = await data<CostsSummary>(core.invoke('costs:summary', opts.month ? { month: opts.month } : {}));
        if (!opts.by) {
          print(opts, summary, () => summaryText(summary));
          return 0;
        }
        const attribution = await data<CostAttribution>(core.invoke('costs:attribution', { month: summary.month }));
        const by = opts.by;
        print(
          opts,
          { month: summary.month, by, currency: attribution.total.currency, total: attribution.total, attributed: attribution.attributed, idle: attribution.idle, requestCount: attribution.requestCount, rows: attributionRows(attribution, by) },
          () => attributionText(attribution, by, summary.month),
        );
        return 0;
      }),
    );

  const budget = program.command('budget').description('the budget across servers and GPU rentals');
  budget
    .command('set')
    .description('set the monthly (and daily) budget; audited as a change from the console')
    .requiredOption('--monthly <amount>', 'the monthly budget in the display currency, or none', parseAmount)
    .option('--daily <amount>', 'the daily budget, or none (default: keep the one set)', parseAmount)
    .option('--currency <code>', 'the display currency the budget is in (default: keep the one set)')
    .option('--rate <CUR=number>', 'what one CUR is worth in the display currency (repeatable)', collectRate)
    .addOption(dataOption())
    .addOption(jsonOption())
    .action((opts: Common & { monthly: number | 'none'; daily?: number | 'none'; currency?: string; rate?: Record<string, number> }) =>
      withCore(opts, {}, async (core) => {
        const current = await data<CostSettings>(core.invoke('costs:settings-get', {}));
        const displayCurrency = (opts.currency ?? current.displayCurrency).trim().toUpperCase();
        // A daily budget kept across a change of currency would silently mean another amount of money.
        if (opts.daily === undefined && current.dailyBudget && displayCurrency !== current.displayCurrency) {
          throw new CommandError('USAGE', `the daily budget is ${moneyText(current.dailyBudget)}: give --daily in ${displayCurrency} (or none) when changing the currency`, 2);
        }
        // The time so far is billed before the budget changes, so the alerts it raises are today's figures.
        accrued(core);
        const saved = await data<CostSettings>(
          core.invoke('costs:settings-set', {
            displayCurrency,
            // Rates are worth so much of the display currency: in another one they mean nothing, so only those given.
            rates: displayCurrency === current.displayCurrency ? { ...current.rates, ...opts.rate } : { ...opts.rate },
            monthlyBudget: opts.monthly === 'none' ? null : opts.monthly,
            dailyBudget: opts.daily === undefined ? (current.dailyBudget?.amount ?? null) : opts.daily === 'none' ? null : opts.daily,
          }),
        );
        const status = await data<CostsSummary>(core.invoke('costs:summary', {}));
        print(opts, { settings: saved, budget: status.budget }, () =>
          [
            `monthly budget ${saved.monthlyBudget ? moneyText(saved.monthlyBudget) : 'none'}, daily ${saved.dailyBudget ? moneyText(saved.dailyBudget) : 'none'}`,
            `this month: ${moneyText(status.monthToDate.total)} spent${status.budget.monthPercent === null ? '' : ` (${percentText(status.budget.monthPercent)})`}; GPU rentals ${status.budget.allowsRental ? 'allowed' : `stopped: ${status.budget.refusal ?? ''}`}`,
          ].join('\n'),
        );
        return 0;
      }),
    );
}
