// The fleet view the dispatcher schedules from: an agent whose facts cannot be read is asked again only after a
// pause, so a scheduler that looks again on every change never spins (the console once hung at full CPU on an
// agent whose token was missing: each failed read woke the scheduler, which read again at once).
import { describe, expect, it } from 'vitest';
import { ConsoleError } from '../contracts/define.js';
import type { AgentSummary } from '../contracts/agents.js';
import { FleetAgents, type FleetSources } from './fleet-agents.js';

const agent: AgentSummary = {
  id: 'a1',
  name: 'vps-1',
  kind: 'registered',
  baseUrl: 'http://127.0.0.1:9',
  origin: 'manual',
  costClass: 'fixed',
  serverId: null,
};

function sources(resolve: FleetSources['resolve']): FleetSources {
  return {
    agents: () => [agent],
    resolve,
    health: () => undefined,
    localState: () => null,
    costClass: () => 'fixed',
  };
}

describe('FleetAgents', () => {
  it('asks an agent whose read fails at once again only after a pause, and timers keep running meanwhile', async () => {
    let reads = 0;
    let clock = 0;
    // The runner's way: every change makes it look at the fleet again.
    const fleet: FleetAgents = new FleetAgents(
      sources(async () => {
        reads++;
        throw new ConsoleError('AGENT_TOKEN_MISSING', 'no token for vps-1 in the vault');
      }),
      () => void fleet.snapshot(),
      () => clock,
    );
    fleet.snapshot();
    // A timer gets its turn: the failed read did not start a loop that starves it.
    await new Promise((r) => setTimeout(r, 100));
    expect(reads).toBe(1);
    clock += 5_000;
    fleet.snapshot();
    await new Promise((r) => setTimeout(r, 50));
    expect(reads).toBe(2);
  });

  it('reads the facts of an agent that answers, once, and says it can run what it lists', async () => {
    let reads = 0;
    let changes = 0;
    const fleet = new FleetAgents(
      sources(async () => ({
        client: {
          info: async () => {
            reads++;
            return { analyses: ['nsfw', 'faces'], workers: 3, limits: { maxQueueDepth: 50 } } as never;
          },
          health: async () => ({}) as never,
        },
      })),
      () => changes++,
    );
    expect(fleet.snapshot()[0]).toMatchObject({ id: 'a1', up: true, analyses: null, workers: 1 });
    await new Promise((r) => setTimeout(r, 50));
    const [known] = fleet.snapshot();
    expect(known).toMatchObject({ workers: 3, maxQueueDepth: 50 });
    expect([...known.analyses!]).toEqual(['nsfw', 'faces']);
    expect(reads).toBe(1);
    expect(changes).toBeGreaterThan(0);
  });
});
