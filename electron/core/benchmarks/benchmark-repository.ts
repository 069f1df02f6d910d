// Finished benchmark runs in the console store: which agent, when, with which options, and the agent's figures
// and hardware facts as it reported them (kept whole, so a later console can show fields added later).
import { BenchReport, type BenchmarkRun } from '../contracts/benchmarks.js';
import type { ConsoleDb } from '../store/console-store.js';

interface RunRow {
  id: string;
  agent_id: string;
  agent_name: string;
  started_at: string;
  finished_at: string;
  options_json: string;
  report_json: string;
}

const fromRow = (r: RunRow): BenchmarkRun => ({
  id: r.id,
  agentId: r.agent_id,
  agentName: r.agent_name,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  options: JSON.parse(r.options_json) as BenchmarkRun['options'],
  report: BenchReport.parse(JSON.parse(r.report_json)),
});

export class BenchmarkRepository {
  constructor(private readonly db: ConsoleDb) {}

  insert(run: BenchmarkRun): void {
    this.db
      .prepare(
        'INSERT INTO benchmark_runs (id, agent_id, agent_name, started_at, finished_at, options_json, report_json) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(run.id, run.agentId, run.agentName, run.startedAt, run.finishedAt, JSON.stringify(run.options), JSON.stringify(run.report));
  }

  /** Newest first. */
  list(filter: { agentId?: string; limit: number }): BenchmarkRun[] {
    const rows = filter.agentId
      ? this.db.prepare('SELECT * FROM benchmark_runs WHERE agent_id = ? ORDER BY finished_at DESC, rowid DESC LIMIT ?').all(filter.agentId, filter.limit)
      : this.db.prepare('SELECT * FROM benchmark_runs ORDER BY finished_at DESC, rowid DESC LIMIT ?').all(filter.limit);
    return (rows as RunRow[]).map(fromRow);
  }

  /** The latest run on this agent with the same options, whose duration predicts the next one. */
  lastComparable(agentId: string, options: BenchmarkRun['options']): BenchmarkRun | null {
    const row = this.db
      .prepare('SELECT * FROM benchmark_runs WHERE agent_id = ? AND options_json = ? ORDER BY finished_at DESC, rowid DESC LIMIT 1')
      .get(agentId, JSON.stringify(options)) as RunRow | undefined;
    return row ? fromRow(row) : null;
  }
}
