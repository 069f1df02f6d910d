// The health contract on the health monitor: the fleet's current state, history (per target and the whole
// fleet's), alerts.
import { acknowledgeAlert, fleetTimeline, healthHistory, healthSnapshot, listAlerts } from '../../contracts/health.js';
import type { MethodRegistry } from '../../registry/method-registry.js';
import type { HealthMonitor } from './health-monitor.js';

export function registerHealthMethods(registry: MethodRegistry, deps: { health: HealthMonitor }): void {
  const { health } = deps;
  registry.implement(healthSnapshot, () => health.snapshot());
  registry.implement(healthHistory, ({ kind, targetId, sinceMinutes }) => health.history(kind, targetId, sinceMinutes));
  registry.implement(fleetTimeline, ({ sinceMinutes }) => health.fleetTimeline(sinceMinutes));
  registry.implement(listAlerts, ({ openOnly }) => health.repo.alerts(openOnly));
  registry.implement(acknowledgeAlert, ({ alertId }) => ({ ok: health.repo.acknowledge(alertId) }));
}
