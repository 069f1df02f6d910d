// A long action on one server as an operation: it holds the server's lock (one of provisioning, deploy,
// rollback, restart and HTTPS at a time), opens an SSH connection when it runs and gives its steps root helpers
// on it. Cancel is cooperative: a root command already running on the server is allowed to finish (bounded by
// its timeout), because killing apt or useradd half-way can leave the server worse off, and a non-root login
// could not signal the sudo'd process anyway; no new command starts once canceled.
import type { AuditLog } from '../audit/audit-log.js';
import { ConsoleError } from '../contracts/define.js';
import type { OperationKind } from '../contracts/operations.js';
import { ProvisionOptions } from '../contracts/provision.js';
import { AgentsRepository } from '../fleet/agents-repository.js';
import { rootPrefix, type FleetService } from '../fleet/fleet-service.js';
import { closeSshConnection, runCommand, writeRemoteFileAsRoot } from '../fleet/ssh/ssh-connection.js';
import { quoteArg } from '../fleet/ssh/shell-quote.js';
import type { OperationSpec } from '../operations/operation.js';
import { secretNames, type SecretVault } from '../secrets/secret-vault.js';
import type { ConsoleDb } from '../store/console-store.js';
import type { ProvisionStep, StepContext } from './provision-step.js';

export interface ServerOperationDeps {
  db: ConsoleDb;
  vault: SecretVault;
  fleet: FleetService;
  audit: AuditLog;
  now?: () => Date;
}

const kindTitle: Partial<Record<OperationKind, string>> = {
  provision: 'Provisioning',
  deploy: 'Deploy',
  rollback: 'Rollback',
  restart: 'Restart',
  ssl: 'HTTPS setup',
};

export const serverLockKey = (serverId: string): string => `server:${serverId}`;

export function serverOperation(
  deps: ServerOperationDeps,
  request: { serverId: string; kind: OperationKind; steps: readonly ProvisionStep[]; options?: unknown; auditDetail?: Record<string, unknown> },
): OperationSpec<StepContext> {
  const server = deps.fleet.requireServer(request.serverId);
  const options = ProvisionOptions.parse(request.options ?? {});
  const title = kindTitle[request.kind] ?? request.kind;
  return {
    kind: request.kind,
    title,
    targetId: server.id,
    lockKey: serverLockKey(server.id),
    lockedError: (holder) =>
      new ConsoleError(
        'PROVISION_LOCKED',
        `Server ${server.name} is busy with operation ${holder.operationId} (pid ${holder.pid} on ${holder.hostname}); wait for it to finish or cancel it, then try again.`,
      ),
    options,
    auditDetail: request.auditDetail,
    failureCode: request.kind === 'provision' ? 'PROVISION_FAILED' : 'OPERATION_FAILED',
    steps: request.steps,
    async open(tools) {
      tools.log(`Connecting to ${server.user}@${server.host}:${server.port}`);
      const conn = await deps.fleet.connect(server.id, { signal: tools.signal });
      const root = rootPrefix(server.user);
      const agents = new AgentsRepository(deps.db, deps.now);
      const canceled = (): ConsoleError => new ConsoleError('CANCELED', `${title} canceled.`);
      const context: StepContext = {
        ...tools,
        server,
        conn,
        options,
        vault: deps.vault,
        agents,
        runAsRoot: (script, o = {}) => {
          if (tools.signal.aborted) return Promise.reject(canceled());
          return runCommand(conn, `${root}sh -c ${quoteArg(script)}`, {
            check: o.check,
            stdin: o.stdin,
            timeoutMs: o.timeoutMs ?? 5 * 60_000,
            onLine: o.quiet ? undefined : (line) => tools.log(line),
          });
        },
        registerAgent: async ({ name, baseUrl, adminToken }) => {
          const agent = agents.upsert({ serverId: server.id, name, baseUrl });
          await deps.vault.set(secretNames.agentAdminToken(agent.id), adminToken);
          deps.audit.record('agent.registered', server.id, { agentId: agent.id, baseUrl, operationId: tools.operationId });
          return { agentId: agent.id };
        },
        writeFileAsRoot: (path, content, mode) => {
          if (tools.signal.aborted) return Promise.reject(canceled());
          return writeRemoteFileAsRoot(conn, content, path, { mode, sudo: root !== '' });
        },
      };
      return { context, close: () => closeSshConnection(conn) };
    },
  };
}
