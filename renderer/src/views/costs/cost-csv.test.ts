// The Costs view's CSV files, checked as a spreadsheet would read them: quoting by RFC 4180 (commas, quotes,
// line breaks), CRLF lines, the currency in the money columns' headers, numbers with a dot, formulas disarmed
// (but negative numbers left as numbers), and every line of the summary and attribution present.
import { describe, expect, it } from 'vitest';
import type { CostAttribution, CostsSummary } from '../../../../electron/core/contracts/costs.js';
import { attributionCsv, csvCell, sourcesCsv, toCsv } from './cost-csv.js';

/** A small RFC 4180 reader, to prove the files parse back into the cells written. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe('CSV cells and files', () => {
  it('quotes what needs it, doubles quotes, disarms formulas, and writes numbers plainly', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('Müller, Söhne')).toBe('"Müller, Söhne"');
    expect(csvCell('the "big" one')).toBe('"the ""big"" one"');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('-1+2')).toBe("'-1+2");
    expect(csvCell('@sum')).toBe("'@sum");
    expect(csvCell(-0.016)).toBe('-0.016');
    expect(csvCell(1234.5)).toBe('1234.5');
    expect(csvCell(null)).toBe('');
    expect(csvCell(Number.NaN)).toBe('');
    const text = toCsv(['a', 'b'], [['x, y', 'say "hi"\r\nbye'], [1, null]]);
    expect(text).toBe('a,b\r\n"x, y","say ""hi""\r\nbye"\r\n1,\r\n');
    expect(parseCsv(text)).toEqual([['a', 'b'], ['x, y', 'say "hi"\r\nbye'], ['1', '']]);
  });

  it('servers and rentals: one line each with its rate as billed and the spend in the display currency', () => {
    const summary = {
      month: '2026-12',
      currency: 'EUR',
      sources: [
        { sourceKind: 'vps', sourceId: 's1', label: 'vps-paris, rack "2"', agentId: null, state: 'running', rate: { amount: 12, currency: 'EUR', per: 'month' }, spent: eur(2.7096774), since: '2026-12-01T00:00:00.000Z' },
        { sourceKind: 'gpu', sourceId: 'r1', label: 'RTX 4090 · 4711', agentId: 'g1', state: 'closed', rate: { amount: 0.41234, currency: 'USD', per: 'hour' }, spent: eur(3.456), since: '2026-12-05T10:00:00.000Z' },
      ],
    } as unknown as CostsSummary;
    const file = sourcesCsv(summary);
    expect(file.fileName).toBe('costs-2026-12-servers-and-rentals.csv');
    expect(parseCsv(file.text)).toEqual([
      ['name', 'kind', 'source id', 'state', 'rate', 'rate currency', 'rate per', 'metered since', 'spent (EUR)'],
      ['vps-paris, rack "2"', 'server', 's1', 'running', '12', 'EUR', 'month', '2026-12-01T00:00:00.000Z', '2.71'],
      ['RTX 4090 · 4711', 'GPU rental', 'r1', 'closed', '0.4123', 'USD', 'hour', '2026-12-05T10:00:00.000Z', '3.46'],
    ]);
  });

  it('who spent it: by client (an empty cell for no label), by batch, by agent with busy time and idle', () => {
    const attribution: CostAttribution = {
      from: '2026-12-01T00:00:00.000Z',
      to: '2027-01-01T00:00:00.000Z',
      total: { amount: 170, currency: 'USD' },
      attributed: { amount: 160, currency: 'USD' },
      idle: { amount: 10, currency: 'USD' },
      byAgent: [
        { sourceKind: 'gpu', sourceId: 'r1', label: 'RTX 4090', agents: [{ id: 'g1', name: 'gpu-a' }, { id: 'g2', name: 'gpu-b' }], cost: { amount: 160, currency: 'USD' }, attributed: { amount: 160, currency: 'USD' }, idle: { amount: 0, currency: 'USD' }, busySeconds: 7200.4, requests: 12 },
        { sourceKind: 'vps', sourceId: 's2', label: 'vps-idle', agents: [], cost: { amount: 10, currency: 'USD' }, attributed: { amount: 0, currency: 'USD' }, idle: { amount: 10, currency: 'USD' }, busySeconds: 0, requests: 0 },
      ],
      byClient: [
        { clientLabel: '=cmd|calc', cost: { amount: 120.006, currency: 'USD' }, requests: 9 },
        { clientLabel: null, cost: { amount: 39.996, currency: 'USD' }, requests: 3 },
      ],
      byBatch: [{ batchId: 'b1', label: 'stills, week 49', clientLabel: 'acme', cost: { amount: 120, currency: 'USD' }, requests: 9 }],
      byRequest: [],
      requestCount: 12,
    };
    const client = attributionCsv(attribution, 'client');
    expect(client.fileName).toBe('costs-2026-12-by-client.csv');
    expect(parseCsv(client.text)).toEqual([
      ['client', 'requests', 'cost (USD)'],
      ["'=cmd|calc", '9', '120.01'],
      ['', '3', '40'],
    ]);
    expect(parseCsv(attributionCsv(attribution, 'batch').text)).toEqual([
      ['batch id', 'batch', 'client', 'requests', 'cost (USD)'],
      ['b1', 'stills, week 49', 'acme', '9', '120'],
    ]);
    expect(parseCsv(attributionCsv(attribution, 'agent').text)).toEqual([
      ['server or rental', 'kind', 'source id', 'agents', 'busy seconds', 'requests', 'cost (USD)', 'attributed (USD)', 'idle (USD)'],
      ['RTX 4090', 'GPU rental', 'r1', 'gpu-a; gpu-b', '7200', '12', '160', '160', '0'],
      ['vps-idle', 'server', 's2', '', '0', '0', '10', '0', '10'],
    ]);
  });
});
