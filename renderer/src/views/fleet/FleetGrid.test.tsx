// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HealthState } from '../../../../electron/core/contracts/health.js';
import { fleetCardRenders } from './FleetCard.js';
import { FleetGrid } from './FleetGrid.js';
import { busyText, serverStateOf } from './fleet-states.js';

const agent = (i: number, queueDepth: number, checkedAt = '2026-01-01T00:00:00Z'): HealthState => ({
  kind: 'agent',
  targetId: `agent-${i}`,
  up: true,
  reason: null,
  latencyMs: 12,
  checkedAt,
  queueDepth,
  jobsPerMinute: 3,
  errorsPerMinute: 0,
  version: '0.1.0',
  load1: null,
  memoryUsedRatio: null,
  diskUsedRatio: null,
});

const names = new Map<string, string>();
beforeEach(() => fleetCardRenders.clear());
afterEach(cleanup);

describe('FleetGrid', () => {
  it('re-renders only the cards whose health changed', () => {
    const first = Array.from({ length: 20 }, (_, i) => agent(i, 0));
    const { rerender } = render(<FleetGrid snapshot={first} names={names} alerts={[]} />);
    expect([...fleetCardRenders.values()].every((n) => n === 1)).toBe(true);
    // A new snapshot array where agent-3 changed; the others are the same objects (react-query's structural sharing).
    const second = first.map((h, i) => (i === 3 ? agent(3, 7, '2026-01-01T00:00:05Z') : h));
    rerender(<FleetGrid snapshot={second} names={names} alerts={[]} />);
    expect(fleetCardRenders.get('agent-3')).toBe(2);
    expect([...fleetCardRenders.entries()].filter(([id]) => id !== 'agent-3').every(([, n]) => n === 1)).toBe(true);
  });

  it('shows a down server with its reason and counts its open alerts', () => {
    const down: HealthState = { ...agent(1, 0), kind: 'server', up: false, reason: 'connection refused', load1: null };
    render(
      <FleetGrid
        snapshot={[down]}
        names={new Map([['agent-1', 'vps-paris']])}
        alerts={[{ id: 1, kind: 'server-down', targetId: 'agent-1', message: 'down', openedAt: '2026-01-01T00:00:00Z', resolvedAt: null, acknowledged: false }]}
      />,
    );
    expect(screen.getByText('vps-paris')).toBeTruthy();
    expect(screen.getByText('down')).toBeTruthy();
    expect(screen.getByText('connection refused')).toBeTruthy();
    expect(screen.getByText('1 alert')).toBeTruthy();
  });

  it('shows a server from the moment it is added, before its first health check, and a server\'s state with its agent', () => {
    const serverUp: HealthState = { ...agent(2, 0), kind: 'server', targetId: 'srv-2', load1: 0.2 };
    render(
      <FleetGrid
        snapshot={[serverUp, agent(9, 1)]}
        names={new Map([['srv-2', 'vps-berlin'], ['agent-9', 'vps-berlin agent']])}
        alerts={[]}
        servers={[
          { id: 'srv-1', name: 'vps-new', host: '10.0.0.5', state: 'new' },
          { id: 'srv-2', name: 'vps-berlin', host: '10.0.0.6', state: 'agent up' },
        ]}
        busy={new Map([['agent-9', busyText(3, 4)]])}
      />,
    );
    const fresh = screen.getByRole('article', { name: 'server vps-new' });
    expect(fresh.textContent).toMatch(/new/);
    expect(fresh.textContent).toMatch(/10\.0\.0\.5: not checked yet/);
    expect(screen.getByRole('article', { name: 'server vps-berlin' }).textContent).toMatch(/agent up/);
    expect(screen.getByRole('article', { name: 'agent vps-berlin agent' }).textContent).toMatch(/Workers3 of 4 busy/);
  });
});

describe('server states', () => {
  it('reads new, provisioning, agent up or down, and unreachable from health and operations', () => {
    const up = { ...agent(1, 0), kind: 'server' as const };
    expect(serverStateOf({})).toBe('new');
    expect(serverStateOf({ runningKind: 'provision' })).toBe('provisioning');
    expect(serverStateOf({ serverHealth: up, runningKind: 'deploy' })).toBe('deploying');
    expect(serverStateOf({ serverHealth: up, agentHealth: agent(2, 0) })).toBe('agent up');
    expect(serverStateOf({ serverHealth: up, agentHealth: { ...agent(2, 0), up: false } })).toBe('agent down');
    expect(serverStateOf({ serverHealth: up })).toBe('no agent');
    expect(serverStateOf({ serverHealth: { ...up, up: false } })).toBe('unreachable');
    expect(busyText(6, 4)).toBe('4 of 4 busy');
  });
});
