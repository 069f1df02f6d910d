// The grid of cards, given a health snapshot; shared by the Fleet view and the performance script.
import { useCallback, useMemo, useRef } from 'react';
import type { Alert, HealthState } from '../../../../electron/core/contracts/health.js';
import { FleetCard } from './FleetCard.js';
import { appendSnapshot, type HistoryByTarget } from './fleet-history.js';

const noValues: readonly number[] = [];

export function FleetGrid({
  snapshot,
  names,
  alerts,
  onOpen,
}: {
  snapshot: readonly HealthState[];
  names: ReadonlyMap<string, string>;
  alerts: readonly Alert[];
  onOpen?: (targetId: string) => void;
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
  return (
    <div className="fleet-grid">
      {snapshot.map((h) => (
        <FleetCard
          key={`${h.kind}:${h.targetId}`}
          name={names.get(h.targetId) ?? h.targetId}
          health={h}
          history={history.get(`${h.kind}:${h.targetId}`)?.values ?? noValues}
          openAlerts={alertCounts.get(h.targetId) ?? 0}
          onOpen={onOpen ? open : undefined}
        />
      ))}
    </div>
  );
}
