// One server or agent on the Fleet view. Memoised: a 5-second health refresh re-renders only the cards
// whose state changed (react-query keeps unchanged objects identical, and history arrays are per target).
import { memo, type ComponentType } from 'react';
import type { HealthState } from '../../../../electron/core/contracts/health.js';
import { Badge } from '../../components/common.js';
import { Sparkline } from '../../components/Sparkline.js';
import { serverStateTone, type ServerState } from './fleet-states.js';

/** A chart a card shows for its agent (the Fleet view's throughput over the last hour); a component, so memo holds. */
export type AgentChart = ComponentType<{ targetId: string; name: string }>;

/** Render counts per card, read by the performance script (bench:ui) to prove unchanged cards stay put. */
export const fleetCardRenders = new Map<string, number>();

const pct = (ratio: number | null): string => (ratio === null ? '—' : `${Math.round(ratio * 100)}%`);
const num = (value: number | null, digits = 0): string => (value === null ? '—' : value.toFixed(digits));

export const FleetCard = memo(function FleetCard({
  name,
  health,
  history,
  openAlerts,
  onOpen,
  serverState,
  busy,
  Chart,
}: {
  name: string;
  health: HealthState;
  history: readonly number[];
  openAlerts: number;
  onOpen?: (targetId: string) => void;
  /** A server's state (provisioning, agent up, ...), when the view knows its agent and operations. */
  serverState?: ServerState;
  /** An agent's busy workers, as the dispatcher sees them ("2 of 4 busy"). */
  busy?: string;
  Chart?: AgentChart;
}) {
  fleetCardRenders.set(health.targetId, (fleetCardRenders.get(health.targetId) ?? 0) + 1);
  return (
    <article className={`fleet-card${health.up ? '' : ' down'}`} data-target={health.targetId} aria-label={`${health.kind} ${name}`}>
      <header>
        <h3>{name}</h3>
        {serverState && health.up ? <Badge tone={serverStateTone(serverState)}>{serverState}</Badge> : <Badge tone={health.up ? 'ok' : 'bad'}>{health.up ? 'up' : 'down'}</Badge>}
      </header>
      {!health.up && health.reason && <p className="card-reason">{health.reason}</p>}
      <dl className="metrics">
        {health.kind === 'server' ? (
          <>
            <dt>CPU load</dt>
            <dd>{num(health.load1, 2)}</dd>
            <dt>RAM</dt>
            <dd>{pct(health.memoryUsedRatio)}</dd>
            <dt>Disk</dt>
            <dd className={health.diskUsedRatio !== null && health.diskUsedRatio > 0.9 ? 'bad' : undefined}>{pct(health.diskUsedRatio)}</dd>
          </>
        ) : (
          <>
            <dt>Queue</dt>
            <dd>{num(health.queueDepth)}</dd>
            {busy && (
              <>
                <dt>Workers</dt>
                <dd>{busy}</dd>
              </>
            )}
            <dt>Jobs/min</dt>
            <dd>{num(health.jobsPerMinute, 1)}</dd>
            <dt>Errors/min</dt>
            <dd>{num(health.errorsPerMinute, 1)}</dd>
          </>
        )}
        <dt>Latency</dt>
        <dd>{health.latencyMs === null ? '—' : `${Math.round(health.latencyMs)} ms`}</dd>
      </dl>
      <Sparkline values={history} label={`${name} ${health.kind === 'server' ? 'load' : 'queue'} history`} />
      {Chart && health.kind === 'agent' && <Chart targetId={health.targetId} name={name} />}
      <footer>
        {openAlerts > 0 && <Badge tone="warn">{openAlerts} alert{openAlerts > 1 ? 's' : ''}</Badge>}
        {health.version && <span className="muted">v{health.version}</span>}
        {onOpen && health.kind === 'server' && (
          <button type="button" className="small ghost" onClick={() => onOpen(health.targetId)}>
            Open
          </button>
        )}
      </footer>
    </article>
  );
});
