// Contract of provisioning: a plan of idempotent steps run against one server, reported as operation
// events, cancellable, resumable after a crash.
import { z } from 'zod';
import { defineInvoke, OperationEvent, OperationStarted } from './define.js';

export const StepStatus = z.enum(['pending', 'checking', 'applying', 'verifying', 'satisfied', 'applied', 'failed', 'canceled']);
export type StepStatus = z.infer<typeof StepStatus>;

export const StepState = z.object({
  stepId: z.string(),
  title: z.string(),
  status: StepStatus,
  /** True when the step's check found it already done, so nothing was changed. */
  alreadySatisfied: z.boolean(),
  error: z.string().nullable(),
  updatedAt: z.string(),
});
export type StepState = z.infer<typeof StepState>;

export const RunStatus = z.enum(['running', 'succeeded', 'failed', 'canceled', 'interrupted']);

/**
 * What a run does. Deploy, rollback, restart and HTTPS setup run on the same machinery as provisioning (one
 * per-server lock, persisted steps and events, cancel), so their operation ids work with provision:status,
 * provision:events and provision:cancel too; only 'provision' runs can be resumed.
 */
export const OperationKind = z.enum(['provision', 'deploy', 'rollback', 'restart', 'ssl']);
export type OperationKind = z.infer<typeof OperationKind>;

export const ProvisionRun = z.object({
  operationId: z.string(),
  serverId: z.string().uuid(),
  kind: OperationKind.default('provision'),
  status: RunStatus,
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  steps: z.array(StepState),
});
export type ProvisionRun = z.infer<typeof ProvisionRun>;

export const ProvisionOptions = z.object({
  serviceUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/).default('mediafleet'),
  /** Ports the firewall leaves open; the console needs 22, the agent is served on 80/443. */
  openPorts: z.array(z.number().int().min(1).max(65535)).default([22, 80, 443]),
});

export const startProvision = defineInvoke('provision:start', {
  input: z.object({ serverId: z.string().uuid(), options: ProvisionOptions.default({ serviceUser: 'mediafleet', openPorts: [22, 80, 443] }) }),
  output: OperationStarted,
});

/** Continue an interrupted, failed or canceled run under the same operation id (steps are re-checked). */
export const resumeProvision = defineInvoke('provision:resume', {
  input: z.object({ operationId: z.string() }),
  output: OperationStarted,
});

export const cancelProvision = defineInvoke('provision:cancel', {
  input: z.object({ operationId: z.string() }),
  output: z.object({ canceled: z.boolean() }),
});

export const provisionStatus = defineInvoke('provision:status', {
  input: z.object({ operationId: z.string() }),
  output: ProvisionRun,
  readOnly: true,
});

export const listProvisionRuns = defineInvoke('provision:list', {
  /** `kind` defaults to provisioning runs; pass 'deploy', 'ssl', ... for those, or null for all. */
  input: z.object({ serverId: z.string().uuid().optional(), kind: OperationKind.nullable().default('provision') }),
  output: z.array(ProvisionRun),
  readOnly: true,
});

/** Events recorded so far (for a UI that attaches late); live events arrive on the 'operation' channel. */
export const provisionEvents = defineInvoke('provision:events', {
  input: z.object({ operationId: z.string(), afterSeq: z.number().int().default(-1) }),
  output: z.array(OperationEvent),
  readOnly: true,
});

export const provisionContract = {
  [startProvision.name]: startProvision,
  [resumeProvision.name]: resumeProvision,
  [cancelProvision.name]: cancelProvision,
  [provisionStatus.name]: provisionStatus,
  [listProvisionRuns.name]: listProvisionRuns,
  [provisionEvents.name]: provisionEvents,
};
