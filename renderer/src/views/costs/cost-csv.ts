// The Costs view's CSV downloads as plain functions: what is metered (per server and GPU rental) and who spent it
// (per client, batch and agent). RFC 4180: fields with a comma, quote or line break are quoted and their quotes
// doubled, lines end in CRLF. Money columns name their currency in the header ("cost (EUR)") and are plain
// numbers with a dot, so a spreadsheet sums them. A text cell that a spreadsheet would run as a formula (=, +, -,
// @ first: client labels and file names come from outside) is prefixed with ' (OWASP's advice on CSV injection).
import type { CostAttribution, CostsSummary } from '../../../../electron/core/contracts/costs.js';

export type CsvCell = string | number | null;

export function csvCell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** Money as a number at cent precision (hourly GPU rates at a hundredth of a cent). */
const cents = (amount: number) => Math.round(amount * 100) / 100;
const fine = (amount: number) => Math.round(amount * 10_000) / 10_000;

export interface CsvFile {
  fileName: string;
  text: string;
}

/** One line per server and GPU rental of the month: its rate as billed and what it cost in the display currency. */
export function sourcesCsv(summary: CostsSummary): CsvFile {
  const c = summary.currency;
  return {
    fileName: `costs-${summary.month}-servers-and-rentals.csv`,
    text: toCsv(
      ['name', 'kind', 'source id', 'state', 'rate', 'rate currency', 'rate per', 'metered since', `spent (${c})`],
      summary.sources.map((s) => [
        s.label,
        s.sourceKind === 'vps' ? 'server' : 'GPU rental',
        s.sourceId,
        s.state,
        s.rate.per === 'hour' ? fine(s.rate.amount) : cents(s.rate.amount),
        s.rate.currency,
        s.rate.per,
        s.since,
        cents(s.spent.amount),
      ]),
    ),
  };
}

export type AttributionCut = 'client' | 'batch' | 'agent';

/** Who spent it, one cut of the attribution; an empty client cell is a request without a client label. */
export function attributionCsv(attribution: CostAttribution, cut: AttributionCut): CsvFile {
  const c = attribution.total.currency;
  // Named by the month the period starts in (the view asks for whole months).
  const fileName = `costs-${attribution.from.slice(0, 7)}-by-${cut}.csv`;
  switch (cut) {
    case 'client':
      return { fileName, text: toCsv(['client', 'requests', `cost (${c})`], attribution.byClient.map((r) => [r.clientLabel, r.requests, cents(r.cost.amount)])) };
    case 'batch':
      return {
        fileName,
        text: toCsv(['batch id', 'batch', 'client', 'requests', `cost (${c})`], attribution.byBatch.map((r) => [r.batchId, r.label, r.clientLabel, r.requests, cents(r.cost.amount)])),
      };
    case 'agent':
      return {
        fileName,
        text: toCsv(
          ['server or rental', 'kind', 'source id', 'agents', 'busy seconds', 'requests', `cost (${c})`, `attributed (${c})`, `idle (${c})`],
          attribution.byAgent.map((r) => [
            r.label,
            r.sourceKind === 'vps' ? 'server' : 'GPU rental',
            r.sourceId,
            r.agents.map((a) => a.name).join('; '),
            Math.round(r.busySeconds),
            r.requests,
            cents(r.cost.amount),
            cents(r.attributed.amount),
            cents(r.idle.amount),
          ]),
        ),
      };
  }
}

/** Hands the file to the browser as a download (a UTF-8 mark first, so spreadsheets read accents right). */
export function downloadCsv(file: CsvFile): void {
  const url = URL.createObjectURL(new Blob(['\uFEFF', file.text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has taken the file once click() returns; the URL can go after this task.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
