// All SQL of erasure: a job's rows (the job with its result, its faces, the persons those faces leave empty, its
// speaker turns), or everything of a tenant, in one transaction each, with counts for the receipt. With
// `secure_delete` on (database.ts) the freed pages are overwritten, and a checkpoint moves them out of the WAL.
import type { Db } from './database.js';
import { statementCache } from './statement-cache.js';

export interface ErasedRows {
  jobs: number;
  results: number;
  faces: number;
  persons: number;
  speakerTurns: number;
  webhookDeliveries: number;
  tokens: number;
}

export class ErasureRepository {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  /** Removes a job's rows; undefined when there is no such job. */
  eraseJob(jobId: string): ErasedRows | undefined {
    const erased = this.db.transaction(() => {
      const job = this.sql('SELECT result IS NOT NULL AS has_result FROM jobs WHERE id = ?').get(jobId) as { has_result: number } | undefined;
      if (!job) return undefined;
      const personIds = (this.sql('SELECT DISTINCT person_id FROM faces WHERE job_id = ? AND person_id IS NOT NULL').all(jobId) as Array<{ person_id: string }>).map((r) => r.person_id);
      const faces = this.sql('DELETE FROM faces WHERE job_id = ?').run(jobId).changes;
      const speakerTurns = this.sql('DELETE FROM speaker_turns WHERE job_id = ?').run(jobId).changes;
      let persons = 0;
      for (const id of personIds) persons += this.sql('DELETE FROM persons WHERE id = ? AND NOT EXISTS (SELECT 1 FROM faces WHERE person_id = ?)').run(id, id).changes;
      // Its webhook deliveries carry the job's state in their payload; their attempts go with them (cascade).
      const webhookDeliveries = this.sql('DELETE FROM webhook_deliveries WHERE job_id = ?').run(jobId).changes;
      const jobs = this.sql('DELETE FROM jobs WHERE id = ?').run(jobId).changes;
      return { jobs, results: job.has_result ? 1 : 0, faces, persons, speakerTurns, webhookDeliveries, tokens: 0 };
    }).immediate();
    if (erased) this.flushFreedPages();
    return erased;
  }

  /** Removes everything of a tenant: jobs, results, faces, persons, speaker turns (its tokens: TokensRepository.deleteForTenant). */
  eraseTenant(tenant: string): ErasedRows {
    const erased = this.db.transaction(() => {
      const results = (this.sql('SELECT count(*) AS n FROM jobs WHERE tenant = ? AND result IS NOT NULL').get(tenant) as { n: number }).n;
      const faces = this.sql('DELETE FROM faces WHERE tenant = ?').run(tenant).changes;
      const persons = this.sql('DELETE FROM persons WHERE tenant = ?').run(tenant).changes;
      const speakerTurns = this.sql('DELETE FROM speaker_turns WHERE tenant = ?').run(tenant).changes;
      const webhookDeliveries = this.sql('DELETE FROM webhook_deliveries WHERE tenant = ?').run(tenant).changes;
      this.sql('DELETE FROM webhook_secrets WHERE tenant = ?').run(tenant);
      const jobs = this.sql('DELETE FROM jobs WHERE tenant = ?').run(tenant).changes;
      return { jobs, results, faces, persons, speakerTurns, webhookDeliveries, tokens: 0 };
    }).immediate();
    this.flushFreedPages();
    return erased;
  }

  /** A tenant's jobs as the files they left: inputs and ids (for thumbnails). */
  jobFilesOfTenant(tenant: string): Array<{ id: string; inputPath: string; status: string }> {
    return (this.sql('SELECT id, input_path, status FROM jobs WHERE tenant = ?').all(tenant) as Array<{ id: string; input_path: string; status: string }>).map((r) => ({
      id: r.id,
      inputPath: r.input_path,
      status: r.status,
    }));
  }

  /** Finished jobs (succeeded, failed, canceled) that ended before `cutoff`, oldest first. */
  finishedBefore(cutoff: number, limit: number): Array<{ id: string; tenant: string }> {
    return this.sql(
      `SELECT id, tenant FROM jobs WHERE status IN ('succeeded', 'failed', 'canceled') AND finished_at < ? ORDER BY finished_at LIMIT ?`,
    ).all(cutoff, limit) as Array<{ id: string; tenant: string }>;
  }

  /** Moves the overwritten pages out of the WAL into the database file (busy readers only delay it). */
  private flushFreedPages(): void {
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // a checkpoint that cannot run now runs with the next automatic one
    }
  }
}
