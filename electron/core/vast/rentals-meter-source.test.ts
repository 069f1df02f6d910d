// The rentals table as the ledger meters it: an instance that exists bills at its dph_total until its destroy is
// confirmed; an ended one is reported gone with its end time; one without an instance or a known rate is not metered.
import { describe, expect, it } from 'vitest';
import type { RentalRecord } from './rentals-repository.js';
import { rentalsMeterSource } from './rentals-meter-source.js';

const row = (id: string, state: RentalRecord['state'], extra: Partial<RentalRecord> = {}): RentalRecord => ({
  id, label: `mediafleet-c-${id}`, operationId: 'op', attempt: 1, offerId: 1, machineId: 7, instanceId: 100, state, vastStatus: null,
  gpuName: 'RTX 4090', numGpus: 1, diskGb: 32, image: 'img', dphBase: 0.4, storageUsdPerHour: 0.002, dphTotal: 0.402, tlsFingerprint: null,
  agentId: `agent-${id}`, agentName: null, agentUrl: null, createdAt: '2026-12-01T10:00:00.000Z', createSentAt: null, instanceSeenAt: null,
  runningAt: null, destroyRequestedAt: null, endedAt: null, updatedAt: '2026-12-01T10:00:00.000Z', endReason: null, lastErrorCode: null, lastError: null,
  ...extra,
});

describe('rentalsMeterSource', () => {
  it('meters booting, running and destroying instances as running; ended ones as gone with their end', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    const open = [row('a', 'booting'), row('b', 'running', { numGpus: 2 }), row('c', 'destroying'), row('d', 'creating', { instanceId: null }), row('e', 'running', { dphTotal: null })];
    const ended = [row('f', 'destroyed', { endedAt: '2026-12-01T11:30:00.000Z' }), row('g', 'failed', { endedAt: '2026-12-01T09:00:00.000Z' }), row('h', 'destroyed', { instanceId: null, endedAt: '2026-12-01T11:59:00.000Z' })];
    const source = rentalsMeterSource({ listOpen: () => open, list: () => [...open, ...ended] }, () => now);
    const listed = source.list();
    expect(listed.map((r) => [r.rentalId, r.state])).toEqual([['a', 'running'], ['b', 'running'], ['c', 'running'], ['f', 'gone']]);
    expect(listed[1]).toMatchObject({ label: '2× RTX 4090 · instance 100', dphTotalUsd: 0.402, storageDphUsd: 0.002, agentId: 'agent-b', vastInstanceId: 100 });
    expect(listed[3]!.endedAtMs).toBe(Date.parse('2026-12-01T11:30:00.000Z'));
  });
});
