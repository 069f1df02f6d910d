// The grid of cards, given a health snapshot; shared by the Fleet view and the performance script.
import { useCallback, useMemo, useRef } from 'react';
import type { Alert, HealthState } from '../../../../electron/core/contracts/health.js';
import { Badge } from '../../components/common.js';
import { FleetCard, type AgentChart } from './FleetCard.js';
import { serverStateTone, type ServerState } from './fleet-states.js';
import { appendSnapshot, type HistoryByTarget } from './fleet-history.js';

const noValues: readonly number[] = [];

/** A server the console knows, with what it is doing; shown even before its first health check. */
export interface FleetServer {
  id: string;
  name: string;
  host: string;
  state: ServerState;
}

/** A server without a health sample yet (just added): its name, address and state, and the way in. */
function NewServerCard({ server, onOpen }: { server: FleetServer; onOpen?: (id: string) => void }) {
  return (
    <article className="fleet-card pending" data-target={server.id} aria-label={`server ${server.name}`}>
      <header>
        <h3>{server.name}</h3>
        <Badge tone={serverStateTone(server.state)}>{server.state}</Badge>
      </header>
      <p className="muted">{server.host}: not checked yet. Open it to provision it and deploy the agent.</p>
      <footer>
        <span />
        {onOpen && (
          <button type="button" className="small ghost" onClick={() => onOpen(server.id)}>
            Open
          </button>
        )}
      </footer>
    </article>
  );
}

export function FleetGrid({
  snapshot,
  names,
  alerts,
  onOpen,
  servers = [],
  busy,
  Chart,
}: {
  snapshot: readonly HealthState[];
  names: ReadonlyMap<string, string>;
  alerts: readonly Alert[];
  onOpen?: (targetId: string) => void;
  /** Every server the console has, with its state; those without health yet get a card of their own. */
  servers?: readonly FleetServer[];
  /** Busy workers per agent id ("2 of 4 busy"). */
  busy?: ReadonlyMap<string, string>;
  Chart?: AgentChart;
}) {
  const historyRef = useRef<HistoryByTarget>(new Map());
  const history = useMemo(() => {
    historyRef.current = appendSnapshot(historyRef.current, snapshot);
    return historyRef.current;
  }, [snapshot]);
  const alertCounts = useMemo(() => {
    const counts = new Map<string, number>();
    for (const a of alerts) if (!a.resolvedAt) counts.set(a.targetId, (counts.get(a.targetId) ?? 0) + 1);
    return counts;
  }, [alerts]);
  const open = useCallback((id: string) => onOpen?.(id), [onOpen]);
  const checked = useMemo(() => new Set(snapshot.filter((h) => h.kind === 'server').map((h) => h.targetId)), [snapshot]);
  const stateOf = useMemo(() => new Map(servers.map((s) => [s.id, s.state])), [servers]);
  return (
    <div className="fleet-grid">
      {servers
        .filter((s) => !checked.has(s.id))
        .map((s) => (
          <NewServerCard key={`new:${s.id}`} server={s} onOpen={onOpen ? open : undefined} />
        ))}
      {snapshot.map((h) => (
        <FleetCard
          key={`${h.kind}:${h.targetId}`}
          name={names.get(h.targetId) ?? h.targetId}
          health={h}
          history={history.get(`${h.kind}:${h.targetId}`)?.values ?? noValues}
          openAlerts={alertCounts.get(h.targetId) ?? 0}
          onOpen={onOpen ? open : undefined}
          serverState={h.kind === 'server' ? stateOf.get(h.targetId) : undefined}
          busy={h.kind === 'agent' ? busy?.get(h.targetId) : undefined}
          Chart={Chart}
        />
      ))}
    </div>
  );
}
