// The fleet's expected backlog in minutes, from the dispatcher's own estimates: the unfinished requests of each
// media kind, drained by every healthy agent at once, each at its seconds per item of that kind (measured, else
// its benchmark, else the default) ÷ its workers. The automatic scaler rents while this exceeds its threshold, so
// it is the same arithmetic the dispatcher places work by, not a second guess. Pure.
import type { MediaKind } from '../contracts/requests.js';
import { defaultSecondsPerItem } from './dispatcher.js';

export interface BacklogAgent {
  id: string;
  up: boolean;
  workers: number;
  /** Seconds one item of the kind takes on it (Dispatcher.secondsPerItem). */
  secondsPerItem(kind: MediaKind): number;
}

export interface Backlog {
  /** Minutes until the unfinished work is done if nothing more arrives; 0 without work. */
  minutes: number;
  /** Unfinished requests by media kind. */
  items: Partial<Record<MediaKind, number>>;
  healthyAgents: number;
}

/**
 * Each kind's items ÷ the fleet's items per second for that kind (Σ workers ÷ seconds per item over the healthy
 * agents), summed over the kinds (the kinds share the same workers). With no healthy agent the work is counted as
 * if one default worker took it: a fleet that is all down has a backlog, not none.
 */
export function expectedBacklog(unfinished: Partial<Record<MediaKind, number>>, agents: readonly BacklogAgent[]): Backlog {
  const healthy = agents.filter((a) => a.up);
  let seconds = 0;
  for (const [kind, count] of Object.entries(unfinished) as Array<[MediaKind, number]>) {
    if (!(count > 0)) continue;
    const perSecond = healthy.reduce((sum, a) => sum + Math.max(1, a.workers) / Math.max(1e-6, a.secondsPerItem(kind)), 0);
    seconds += perSecond > 0 ? count / perSecond : count * (defaultSecondsPerItem[kind] ?? defaultSecondsPerItem.unknown);
  }
  return { minutes: seconds / 60, items: { ...unfinished }, healthyAgents: healthy.length };
}
