// Erasure: a job, or everything of a tenant, gone — the upload, the stored result, the keyframe thumbnails, the face
// embeddings and the persons they leave empty, the speaker turns — with a receipt saying what was removed, and an
// audit entry saying who asked. Retention erases finished jobs older than the configured number of days the same way.
import fs from 'node:fs/promises';
import path from 'node:path';
import { AgentError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AuditActor, AuditRepository } from '../store/audit-repository.js';
import type { ErasedRows, ErasureRepository } from '../store/erasure-repository.js';
import type { JobQueue } from './job-queue.js';

export interface ErasureReceipt {
  erased: 'job' | 'tenant';
  tenant: string;
  jobId?: string;
  erasedAt: number;
  removed: ErasedRows & { inputs: number; thumbnails: number };
}

export interface ErasureDeps {
  queue: JobQueue;
  rows: ErasureRepository;
  /** Removes a tenant's tokens (the token cache must hear of it). */
  deleteTenantTokens: (tenant: string) => number;
  audit: AuditRepository;
  /** Keyframe thumbnails live in <thumbnailsRoot>/<job id>/. */
  thumbnailsRoot: string;
  logger: Logger;
}

/** Removes a file if it is there; how many files went (1 or 0). */
async function removeFile(file: string): Promise<number> {
  try {
    await fs.rm(file);
    return 1;
  } catch {
    return 0;
  }
}

/** Removes a directory of files; how many files it held. */
async function removeDir(dir: string): Promise<number> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  await fs.rm(dir, { recursive: true, force: true });
  return names.length;
}

export class Erasure {
  private retentionTimer?: NodeJS.Timeout;

  constructor(private readonly deps: ErasureDeps) {}

  /** Erases one of the tenant's jobs (canceling it first if it still runs). Another tenant's job reads as missing. */
  async eraseJob(actor: AuditActor, tenant: string, jobId: string, action: 'job.erased' | 'retention.erased' = 'job.erased'): Promise<ErasureReceipt> {
    const { queue, rows, audit } = this.deps;
    const job = queue.get(tenant, jobId);
    if (!job) throw new AgentError('NOT_FOUND', `no job ${jobId}`);
    await queue.stopAndWait(tenant, jobId);
    const erasedRows = rows.eraseJob(jobId);
    if (!erasedRows) throw new AgentError('NOT_FOUND', `no job ${jobId}`);
    const receipt: ErasureReceipt = {
      erased: 'job',
      tenant,
      jobId,
      erasedAt: Date.now(),
      removed: { ...erasedRows, inputs: await removeFile(job.inputPath), thumbnails: await removeDir(path.join(this.deps.thumbnailsRoot, jobId)) },
    };
    audit.record({ action, tenant, actor, target: jobId, detail: { removed: receipt.removed } });
    this.deps.logger.info({ jobId, tenant, removed: receipt.removed }, action === 'job.erased' ? 'job erased' : 'job erased by retention');
    return receipt;
  }

  /** Erases everything of a tenant; its tokens too with `tokens` (never an all-tenants token). */
  async eraseTenant(actor: AuditActor, tenant: string, opts: { tokens: boolean }): Promise<ErasureReceipt> {
    const { queue, rows, audit } = this.deps;
    const files = rows.jobFilesOfTenant(tenant);
    for (const job of files) if (job.status === 'queued' || job.status === 'running') await queue.stopAndWait(tenant, job.id);
    const erasedRows = { ...rows.eraseTenant(tenant), tokens: opts.tokens ? this.deps.deleteTenantTokens(tenant) : 0 };
    let inputs = 0;
    let thumbnails = 0;
    for (const job of files) {
      inputs += await removeFile(job.inputPath);
      thumbnails += await removeDir(path.join(this.deps.thumbnailsRoot, job.id));
    }
    const receipt: ErasureReceipt = { erased: 'tenant', tenant, erasedAt: Date.now(), removed: { ...erasedRows, inputs, thumbnails } };
    audit.record({ action: 'tenant.erased', tenant, actor, target: tenant, detail: { removed: receipt.removed } });
    this.deps.logger.info({ tenant, removed: receipt.removed }, 'tenant erased');
    return receipt;
  }

  /**
   * Erases finished jobs older than `days`, a batch at a time: checked every quarter of the retention period
   * (between a second and an hour), again at once while a batch was full.
   */
  startRetention(days: number): void {
    if (days <= 0) return;
    const retentionMs = days * 86_400_000;
    const everyMs = Math.min(3_600_000, Math.max(1000, retentionMs / 4));
    const sweep = async (): Promise<void> => {
      let erased = 0;
      let more = false;
      try {
        const due = this.deps.rows.finishedBefore(Date.now() - retentionMs, 100);
        for (const job of due) {
          await this.eraseJob({ kind: 'operator', via: `retention (${days} days)` }, job.tenant, job.id, 'retention.erased').then(
            () => erased++,
            (err: unknown) => this.deps.logger.warn({ err, jobId: job.id }, 'retention could not erase a job; trying again next time'),
          );
        }
        more = due.length === 100 && erased > 0;
      } catch (err) {
        this.deps.logger.warn({ err }, 'retention sweep failed; trying again next time');
      }
      if (erased > 0) this.deps.logger.info({ erased, days }, 'retention erased finished jobs');
      if (this.retentionTimer !== undefined) this.scheduleRetention(sweep, more ? 0 : everyMs);
    };
    this.scheduleRetention(sweep, 0);
  }

  stopRetention(): void {
    clearTimeout(this.retentionTimer);
    this.retentionTimer = undefined;
  }

  private scheduleRetention(sweep: () => Promise<void>, ms: number): void {
    this.retentionTimer = setTimeout(() => void sweep(), ms);
    this.retentionTimer.unref();
  }
}
