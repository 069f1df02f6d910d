// Runs a provisioning plan against one server: lock, connect, then each step check → apply → verify,
// persisting step states and events as it goes so a crash can be resumed and a late UI can catch up.
import { randomUUID } from 'node:crypto';
import { ConsoleError, type OperationEvent } from '../contracts/define.js';
import { ProvisionOptions, type OperationKind } from '../contracts/provision.js';
import type { AuditLog } from '../audit/audit-log.js';
import { AgentsRepository } from '../fleet/agents-repository.js';
import { rootPrefix, type FleetService } from '../fleet/fleet-service.js';
import { closeSshConnection, runCommand, writeRemoteFileAsRoot } from '../fleet/ssh/ssh-connection.js';
import { quoteArg } from '../fleet/ssh/shell-quote.js';
import { secretNames, type SecretVault } from '../secrets/secret-vault.js';
import type { ConsoleDb } from '../store/console-store.js';
import type { ProvisionStep, StepContext } from './provision-step.js';
import { ProvisionRepository } from './provision-repository.js';

export interface ProvisionRunnerDeps {
  db: ConsoleDb;
  vault: SecretVault;
  fleet: FleetService;
  audit: AuditLog;
  now?: () => Date;
}

export interface RunProvisioningRequest {
  serverId: string;
  steps: readonly ProvisionStep[];
  options?: unknown;
  /** Continue this earlier (interrupted, failed or canceled) operation instead of starting a new one. */
  resumeOperationId?: string;
  operationId?: string;
  signal?: AbortSignal;
  onEvent?: (event: OperationEvent) => void;
  /** Deploy, rollback, restart and HTTPS setup reuse this runner; the kind names their audit actions. */
  kind?: OperationKind;
  /** Extra audit detail for the start entry (never secrets; the audit log redacts secret-looking keys anyway). */
  auditDetail?: Record<string, unknown>;
}

const kindLabel: Record<OperationKind, string> = {
  provision: 'Provisioning',
  deploy: 'Deploy',
  rollback: 'Rollback',
  restart: 'Restart',
  ssl: 'HTTPS setup',
};

/** Prepares the run (lock + rows) synchronously enough that the caller can return the id at once. */
export function prepareProvisioning(deps: ProvisionRunnerDeps, req: RunProvisioningRequest) {
  const repo = new ProvisionRepository(deps.db, deps.now);
  deps.fleet.requireServer(req.serverId);
  let operationId: string;
  let options: ReturnType<typeof ProvisionOptions.parse>;
  if (req.resumeOperationId) {
    const row = repo.getRunRow(req.resumeOperationId);
    if (!row) throw new ConsoleError('OPERATION_NOT_FOUND', `No provisioning run ${req.resumeOperationId}.`);
    if (row.serverId !== req.serverId) throw new ConsoleError('INVALID_INPUT', 'That run belongs to another server.');
    if (row.status === 'succeeded') throw new ConsoleError('ALREADY_DONE', 'That run already succeeded.');
    if (row.kind !== 'provision') throw new ConsoleError('NOT_RESUMABLE', `That is a ${row.kind} operation; start a new one instead of resuming it.`);
    operationId = req.resumeOperationId;
    options = ProvisionOptions.parse(row.options);
  } else {
    operationId = req.operationId ?? randomUUID();
    options = ProvisionOptions.parse(req.options ?? {});
  }
  const { recoveredFrom } = repo.acquireLock(req.serverId, operationId);
  if (recoveredFrom) {
    deps.audit.record('provision.lock-recovered', req.serverId, {
      deadOperation: recoveredFrom.operation_id,
      deadPid: recoveredFrom.pid,
    });
    if (repo.getRunRow(recoveredFrom.operation_id)?.status === 'running') repo.setRunStatus(recoveredFrom.operation_id, 'interrupted');
  }
  if (req.resumeOperationId) {
    repo.ensureSteps(operationId, req.steps);
    repo.setRunStatus(operationId, 'running');
  } else {
    repo.createRun(operationId, req.serverId, options, req.steps, req.kind ?? 'provision');
  }
  return { operationId, options, repo };
}

export async function runProvisioning(deps: ProvisionRunnerDeps, req: RunProvisioningRequest): Promise<{ operationId: string; status: string }> {
  const { operationId, options, repo } = prepareProvisioning(deps, req);
  return executePrepared(deps, req, operationId, options, repo);
}

export async function executePrepared(
  deps: ProvisionRunnerDeps,
  req: RunProvisioningRequest,
  operationId: string,
  options: ReturnType<typeof ProvisionOptions.parse>,
  repo: ProvisionRepository,
): Promise<{ operationId: string; status: string }> {
  const signal = req.signal ?? new AbortController().signal;
  const steps = req.steps;
  const kind = req.kind ?? 'provision';
  const label = kindLabel[kind];
  const canceledError = () => new ConsoleError('CANCELED', `${label} canceled.`);
  const server = deps.fleet.requireServer(req.serverId);
  let seq = repo.nextSeq(operationId);
  let progress = 0;
  const emit = (phase: string, extra: Partial<OperationEvent> = {}) => {
    const event: OperationEvent = { operationId, seq: seq++, phase, progress, ...extra };
    repo.appendEvent(event);
    req.onEvent?.(event);
  };
  deps.audit.record(req.resumeOperationId ? `${kind}.resumed` : `${kind}.started`, server.id, {
    operationId,
    steps: steps.map((s) => s.id),
    ...req.auditDetail,
  });
  emit('connect', { line: `Connecting to ${server.user}@${server.host}:${server.port}` });
  let conn: Awaited<ReturnType<FleetService['connect']>> | null = null;
  let current: ProvisionStep | null = null;
  try {
    conn = await deps.fleet.connect(server.id, { signal });
    const root = rootPrefix(server.user);
    const agents = new AgentsRepository(deps.db, deps.now);
    const ctx: StepContext = {
      server,
      conn,
      options,
      vault: deps.vault,
      agents,
      signal,
      log: (line) => emit(current ? `${current.id}:log` : 'log', { line }),
      progress: (fraction, line) => {
        const index = current ? steps.indexOf(current) : 0;
        // Never backwards, never past the step's end.
        const within = Math.min(1, Math.max(0, fraction));
        progress = Math.max(progress, (index + within) / steps.length);
        emit(current ? `${current.id}:log` : 'log', line === undefined ? {} : { line });
      },
      // Cancel is cooperative: a root command already running on the server is allowed to finish (bounded by
      // its timeout), because killing apt or useradd half-way can leave the server worse off, and a
      // non-root login could not signal the sudo'd process anyway. No new command starts once canceled.
      runAsRoot: (script, o = {}) => {
        if (signal.aborted) return Promise.reject(canceledError());
        return runCommand(conn!, `${root}sh -c ${quoteArg(script)}`, {
          check: o.check,
          stdin: o.stdin,
          timeoutMs: o.timeoutMs ?? 5 * 60_000,
          onLine: o.quiet ? undefined : (line) => emit(`${current?.id ?? 'run'}:log`, { line }),
        });
      },
      registerAgent: async ({ name, baseUrl, adminToken }) => {
        const agent = agents.upsert({ serverId: server.id, name, baseUrl });
        await deps.vault.set(secretNames.agentAdminToken(agent.id), adminToken);
        deps.audit.record('agent.registered', server.id, { agentId: agent.id, baseUrl, operationId });
        return { agentId: agent.id };
      },
      writeFileAsRoot: (path, content, mode) => {
        if (signal.aborted) return Promise.reject(canceledError());
        return writeRemoteFileAsRoot(conn!, content, path, { mode, sudo: root !== '' });
      },
    };
    for (const [index, step] of steps.entries()) {
      current = step;
      progress = index / steps.length;
      if (signal.aborted) throw canceledError();
      repo.setStepStatus(operationId, step.id, 'checking');
      emit(`${step.id}:check`, { line: `${step.title}: checking` });
      const before = await step.check(ctx);
      if (before.satisfied) {
        repo.setStepStatus(operationId, step.id, 'satisfied', { alreadySatisfied: true });
        emit(`${step.id}:satisfied`, { line: `${step.title}: already satisfied${before.detail ? ` (${before.detail})` : ''}` });
        continue;
      }
      repo.setStepStatus(operationId, step.id, 'applying', { alreadySatisfied: false });
      emit(`${step.id}:apply`, { line: `${step.title}: applying${before.detail ? ` (found: ${before.detail})` : ''}` });
      await step.apply(ctx);
      repo.setStepStatus(operationId, step.id, 'verifying');
      emit(`${step.id}:verify`, { line: `${step.title}: verifying` });
      const after = await (step.verify ?? step.check).call(step, ctx);
      if (!after.satisfied) {
        throw new ConsoleError('STEP_VERIFY_FAILED', `${step.title}: still not in place after applying (${after.detail ?? 'no detail'}).`);
      }
      repo.setStepStatus(operationId, step.id, 'applied');
      emit(`${step.id}:applied`, { line: `${step.title}: done${after.detail ? ` (${after.detail})` : ''}` });
    }
    current = null;
    progress = 1;
    repo.setRunStatus(operationId, 'succeeded');
    emit('done', { done: true, line: `${label} finished` });
    deps.audit.record(`${kind}.succeeded`, server.id, { operationId });
    return { operationId, status: 'succeeded' };
  } catch (err) {
    const error =
      err instanceof ConsoleError
        ? { code: err.code, message: err.message }
        : { code: kind === 'provision' ? 'PROVISION_FAILED' : 'OPERATION_FAILED', message: (err as Error).message };
    const canceled = error.code === 'CANCELED' || signal.aborted;
    if (current) repo.setStepStatus(operationId, current.id, canceled ? 'canceled' : 'failed', { error: error.message });
    repo.setRunStatus(operationId, canceled ? 'canceled' : 'failed');
    emit(canceled ? 'canceled' : 'failed', { done: true, error: canceled ? { code: 'CANCELED', message: `${label} canceled.` } : error });
    deps.audit.record(canceled ? `${kind}.canceled` : `${kind}.failed`, server.id, { operationId, step: current?.id ?? null, code: error.code });
    return { operationId, status: canceled ? 'canceled' : 'failed' };
  } finally {
    if (conn) closeSshConnection(conn);
    repo.releaseLock(server.id, operationId);
  }
}
