// What a provisioning step is. Steps are idempotent: `check` looks at the server and says whether the
// step's end state already holds; only then is `apply` run, and `verify` (default: `check` again) must
// confirm the end state. Other features (deploy, ssl) export their own steps with this shape.
import type { z } from 'zod';
import type { ProvisionOptions } from '../contracts/provision.js';
import type { AgentsRepository } from '../fleet/agents-repository.js';
import type { ServerRecord } from '../fleet/servers-repository.js';
import type { CommandResult, SshConnection } from '../fleet/ssh/ssh-connection.js';
import type { SecretVault } from '../secrets/secret-vault.js';

export interface StepCheck {
  satisfied: boolean;
  /** Shown in the log: what was found. */
  detail?: string;
}

export interface StepContext {
  server: ServerRecord;
  conn: SshConnection;
  options: z.output<typeof ProvisionOptions>;
  vault: SecretVault;
  agents: AgentsRepository;
  signal: AbortSignal;
  /** One log line for the operation's event stream (never pass secrets). */
  log(line: string): void;
  /** Progress within the current step (0..1), with an optional log line; the event's progress is the run's. */
  progress(fraction: number, line?: string): void;
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

export interface ProvisionStep {
  id: string;
  title: string;
  check(ctx: StepContext): Promise<StepCheck>;
  apply(ctx: StepContext): Promise<void>;
  verify?(ctx: StepContext): Promise<StepCheck>;
}
