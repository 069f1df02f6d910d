// Contract of fleet health: the latest state of every server and agent, downsampled history for charts,
// and alerts.
import { z } from 'zod';
import { defineInvoke } from './define.js';

export const TargetKind = z.enum(['server', 'agent']);

export const HealthState = z.object({
  kind: TargetKind,
  targetId: z.string(),
  up: z.boolean(),
  /** Why it is down (timeout, refused, HTTP 503, ...); null when up. */
  reason: z.string().nullable(),
  latencyMs: z.number().nullable(),
  checkedAt: z.string(),
  /** Agent facts (null for servers or when unknown). */
  queueDepth: z.number().nullable(),
  jobsPerMinute: z.number().nullable(),
  errorsPerMinute: z.number().nullable(),
  version: z.string().nullable(),
  /** Server facts (null for agents). */
  load1: z.number().nullable(),
  memoryUsedRatio: z.number().nullable(),
  diskUsedRatio: z.number().nullable(),
});
export type HealthState = z.infer<typeof HealthState>;

export const healthSnapshot = defineInvoke('health:snapshot', {
  input: z.object({}).default({}),
  output: z.array(HealthState),
  readOnly: true,
});

export const HistoryPoint = z.object({
  bucketStart: z.string(),
  samples: z.number().int(),
  upRatio: z.number(),
  latencyMsAvg: z.number().nullable(),
  queueDepthAvg: z.number().nullable(),
  /** Jobs the agent finished per minute, averaged over the bucket; null beyond the raw samples' retention (6 h). */
  jobsPerMinuteAvg: z.number().nullable().default(null),
  load1Avg: z.number().nullable(),
  diskUsedRatioMax: z.number().nullable(),
});

export const healthHistory = defineInvoke('health:history', {
  input: z.object({
    kind: TargetKind,
    targetId: z.string(),
    sinceMinutes: z.number().int().min(1).max(60 * 24 * 30).default(60),
  }),
  output: z.array(HistoryPoint),
  readOnly: true,
});

/** One minute of the whole fleet's agents: their queue depths, throughputs and failures added up. */
export const FleetMinute = z.object({
  bucketStart: z.string(),
  /** Agents that reported in this minute, and those of them that were down all minute. */
  agents: z.number().int(),
  agentsDown: z.number().int(),
  /** Sums over the agents that said (null when none did). */
  queueDepth: z.number().nullable(),
  jobsPerMinute: z.number().nullable(),
  errorsPerMinute: z.number().nullable(),
});
export type FleetMinute = z.infer<typeof FleetMinute>;

/** The fleet dashboard's series, minute by minute, from the raw health samples (kept 6 h). */
export const fleetTimeline = defineInvoke('health:fleet-timeline', {
  input: z.object({ sinceMinutes: z.number().int().min(1).max(360).default(60) }).default({ sinceMinutes: 60 }),
  output: z.array(FleetMinute),
  readOnly: true,
});

export const Alert = z.object({
  id: z.number().int(),
  kind: z.enum(['server-down', 'disk-full', 'agent-unreachable']),
  targetId: z.string(),
  message: z.string(),
  openedAt: z.string(),
  resolvedAt: z.string().nullable(),
  acknowledged: z.boolean(),
});
export type Alert = z.infer<typeof Alert>;

export const listAlerts = defineInvoke('alerts:list', {
  input: z.object({ openOnly: z.boolean().default(true) }),
  output: z.array(Alert),
  readOnly: true,
});

export const acknowledgeAlert = defineInvoke('alerts:acknowledge', {
  input: z.object({ alertId: z.number().int() }),
  output: z.object({ ok: z.boolean() }),
});

export const healthContract = {
  [healthSnapshot.name]: healthSnapshot,
  [healthHistory.name]: healthHistory,
  [fleetTimeline.name]: fleetTimeline,
  [listAlerts.name]: listAlerts,
  [acknowledgeAlert.name]: acknowledgeAlert,
};
