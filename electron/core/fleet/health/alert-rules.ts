// When health turns into an alert. Pure: given a target's latest sample and how many polls in a row it has
// failed, say which alerts should be open. One failed poll is noise; an agent or server is declared
// unreachable after `failuresBeforeAlert` consecutive failures.
import type { Alert } from '../../contracts/health.js';
import type { HealthSample } from './health-repository.js';

export const DISK_ALERT_RATIO = 0.9;

export interface AlertDecision {
  kind: Alert['kind'];
  open: boolean;
  message: string;
}

export function decideAlerts(sample: HealthSample, consecutiveFailures: number, name: string, failuresBeforeAlert = 2): AlertDecision[] {
  if (sample.kind === 'agent') {
    return [
      {
        kind: 'agent-unreachable',
        open: !sample.up && consecutiveFailures >= failuresBeforeAlert,
        message: `Agent ${name} stopped answering (${sample.reason ?? 'unknown reason'}).`,
      },
    ];
  }
  const decisions: AlertDecision[] = [
    {
      kind: 'server-down',
      open: !sample.up && consecutiveFailures >= failuresBeforeAlert,
      message: `Server ${name} is down (${sample.reason ?? 'unknown reason'}).`,
    },
  ];
  // Disk facts only exist when the server answered; keep the disk alert as it was while it is down.
  if (sample.up && sample.diskUsedRatio !== null) {
    decisions.push({
      kind: 'disk-full',
      open: sample.diskUsedRatio > DISK_ALERT_RATIO,
      message: `Disk of ${name} is ${(sample.diskUsedRatio * 100).toFixed(0)}% full.`,
    });
  }
  return decisions;
}
