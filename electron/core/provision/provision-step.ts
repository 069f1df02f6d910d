// What a step of a server operation is: an operation step (see ../operations/operation.ts) whose context is an
// SSH connection to one server with root helpers. Provisioning's steps and the deploy and HTTPS features' steps
// all have this shape.
import type { ProvisionOptions } from '../contracts/provision.js';
import type { AgentsRepository } from '../fleet/agents-repository.js';
import type { ServerRecord } from '../fleet/servers-repository.js';
import type { CommandResult, SshConnection } from '../fleet/ssh/ssh-connection.js';
import type { OperationStep, OperationTools } from '../operations/operation.js';
import type { SecretVault } from '../secrets/secret-vault.js';

export type { StepCheck } from '../operations/operation.js';

export interface StepContext extends OperationTools {
  server: ServerRecord;
  conn: SshConnection;
  options: ProvisionOptions;
  vault: SecretVault;
  agents: AgentsRepository;
  /** Runs a shell script on the server as root (sudo -n unless logged in as root), output streamed to the log. */
  runAsRoot(script: string, options?: { check?: boolean; stdin?: string | Buffer; quiet?: boolean; timeoutMs?: number }): Promise<CommandResult>;
  /**
   * Records the agent this server now runs, its admin token going to the vault only (replacing an older one),
   * so health polling and dispatch pick it up. Idempotent per server and URL.
   */
  registerAgent(agent: { name: string; baseUrl: string; adminToken: string }): Promise<{ agentId: string }>;
  /** Writes a file as root atomically with the given mode. */
  writeFileAsRoot(path: string, content: string | Buffer, mode?: string): Promise<void>;
}

export type ProvisionStep = OperationStep<StepContext>;
