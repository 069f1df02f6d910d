// The dead-man switch's decisions on a clock the test moves: when it is armed, the lease and its renewal, the
// lifetime cap, the spend cap as rate × uptime, and which limit fires first. Settings come through loadConfig, so
// the variables the on-start script and Vast.ai set are the ones checked.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { armingOf, DeadManSwitch, type DeadManLimits } from './dead-man-switch.js';

const vast = { CONTAINER_ID: '21000042', CONTAINER_API_KEY: 'instance-key-abc' };
const arm = (env: Record<string, string>) => armingOf(loadConfig({}, env));
const limits = (l: Partial<DeadManLimits>): DeadManLimits => ({ leaseMs: null, lifetimeMs: null, spendCapUsd: null, dphUsd: null, ...l });

describe('arming', () => {
  it('is off without the env Vast.ai gives a container, whatever the limits', () => {
    const off = arm({ MEDIAFLEET_DEADMAN_S: '900', MEDIAFLEET_LIFETIME_CAP_S: '3600' });
    expect(off).toMatchObject({ armed: false, reason: expect.stringMatching(/CONTAINER_ID and CONTAINER_API_KEY/) });
    expect(arm({ ...vast, CONTAINER_API_KEY: '', MEDIAFLEET_DEADMAN_S: '900' }).armed).toBe(false);
    expect(arm({ CONTAINER_ID: vast.CONTAINER_ID, MEDIAFLEET_DEADMAN_S: '900' }).armed).toBe(false);
  });

  it('is off on a Vast.ai instance with no limit (unset or 0)', () => {
    expect(arm(vast)).toMatchObject({ armed: false, reason: expect.stringMatching(/no limit/) });
    expect(arm({ ...vast, MEDIAFLEET_DEADMAN_S: '0', MEDIAFLEET_LIFETIME_CAP_S: '0', MEDIAFLEET_SPEND_CAP_USD: '0' }).armed).toBe(false);
  });

  it('is armed by any one limit, in milliseconds', () => {
    expect(arm({ ...vast, MEDIAFLEET_DEADMAN_S: '900' })).toMatchObject({ armed: true, limits: { leaseMs: 900_000, lifetimeMs: null, spendCapUsd: null } });
    expect(arm({ ...vast, MEDIAFLEET_LIFETIME_CAP_S: '7200' })).toMatchObject({ armed: true, limits: { lifetimeMs: 7_200_000 } });
    expect(arm({ ...vast, MEDIAFLEET_SPEND_CAP_USD: '5', MEDIAFLEET_DPH_USD: '0.5' })).toMatchObject({ armed: true, limits: { spendCapUsd: 5, dphUsd: 0.5 } });
  });

  it('says a spend cap without a rate cannot be kept, and does not count it as a limit', () => {
    const only = arm({ ...vast, MEDIAFLEET_SPEND_CAP_USD: '5' });
    expect(only.armed).toBe(false);
    expect(only.problems).toEqual([expect.stringMatching(/MEDIAFLEET_SPEND_CAP_USD is 5 but MEDIAFLEET_DPH_USD is not set/)]);
    const withLease = arm({ ...vast, MEDIAFLEET_SPEND_CAP_USD: '5', MEDIAFLEET_DEADMAN_S: '60' });
    expect(withLease).toMatchObject({ armed: true, limits: { leaseMs: 60_000, spendCapUsd: null }, problems: [expect.any(String)] });
  });

  it('refuses bad values naming the variable', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ MEDIAFLEET_DEADMAN_S: '-1' }, /MEDIAFLEET_DEADMAN_S/],
      [{ MEDIAFLEET_DEADMAN_S: '2.5' }, /MEDIAFLEET_DEADMAN_S/],
      [{ MEDIAFLEET_DEADMAN_S: String(30 * 86_400) }, /MEDIAFLEET_DEADMAN_S/],
      [{ MEDIAFLEET_LIFETIME_CAP_S: 'forever' }, /MEDIAFLEET_LIFETIME_CAP_S/],
      [{ MEDIAFLEET_SPEND_CAP_USD: '-3' }, /MEDIAFLEET_SPEND_CAP_USD/],
      [{ MEDIAFLEET_DPH_USD: '0' }, /MEDIAFLEET_DPH_USD.*above 0/],
      [{ MEDIAFLEET_SELF_DESTROY_DRAIN_S: '-5' }, /MEDIAFLEET_SELF_DESTROY_DRAIN_S/],
      [{ MEDIAFLEET_VAST_API_URL: 'console.vast.ai' }, /MEDIAFLEET_VAST_API_URL.*http/],
      [{ CONTAINER_ID: '12/../../users/current' }, /CONTAINER_ID.*numeric/],
      [{ CONTAINER_API_KEY: 'two words' }, /CONTAINER_API_KEY/],
    ];
    for (const [env, message] of bad) {
      expect(() => loadConfig({}, env)).toThrow(ConfigError);
      expect(() => loadConfig({}, env)).toThrow(message);
    }
  });

  it('defaults: drain 300 s, the real Vast.ai API', () => {
    expect(loadConfig({}, {})).toMatchObject({ selfDestroyDrainS: 300, vastApiUrl: 'https://console.vast.ai/api/v0' });
  });
});

describe('the lease', () => {
  it('fires when the console has been silent for the lease, counted from the start', () => {
    const s = new DeadManSwitch(limits({ leaseMs: 3000 }), 0, 1000);
    expect(s.due(3999)).toBeNull();
    expect(s.msUntilDue(3999)).toBe(1);
    expect(s.due(4000)).toMatchObject({ kind: 'lease-expired', atMs: 4000, message: expect.stringMatching(/no contact from the console for 3 s/) });
  });

  it('is renewed by contact: it fires a whole lease after the last one', () => {
    const s = new DeadManSwitch(limits({ leaseMs: 3000 }), 0, 0);
    for (let t = 1000; t <= 10_000; t += 2000) {
      s.renew(t);
      expect(s.due(t + 2999)).toBeNull();
    }
    expect(s.msUntilDue(9000)).toBe(3000);
    expect(s.due(12_000)).toMatchObject({ kind: 'lease-expired', atMs: 12_000 });
    expect(s.view(10_500)).toMatchObject({ leaseLeftMs: 1500, leftMs: 1500, lastContactAtMs: 9000 });
  });

  it('a contact stamped earlier than the last one (out of order) does not move it back', () => {
    const s = new DeadManSwitch(limits({ leaseMs: 3000 }), 0, 0);
    s.renew(5000);
    s.renew(2000);
    expect(s.due(7999)).toBeNull();
  });
});

describe('the lifetime cap', () => {
  it('fires at start + cap however often the console calls, counting from the recorded start', () => {
    // The agent started at 10 000 on an instance whose uptime began at 4 000 (an earlier run of the agent).
    const s = new DeadManSwitch(limits({ leaseMs: 5000, lifetimeMs: 20_000 }), 4000, 10_000);
    for (let t = 10_000; t < 24_000; t += 1000) {
      s.renew(t);
      expect(s.due(t)).toBeNull();
    }
    s.renew(23_999);
    expect(s.due(24_000)).toMatchObject({ kind: 'lifetime-cap', atMs: 24_000, message: expect.stringMatching(/lifetime cap of 20 s reached \(up 20 s\)/) });
    expect(s.view(14_000)).toMatchObject({ lifetimeLeftMs: 10_000, spendLeftMs: null, spentUsd: null });
  });
});

describe('the spend cap', () => {
  it('fires when rate × uptime reaches the cap', () => {
    // $0.60/h with a $0.05 cap: 5 minutes of uptime.
    const s = new DeadManSwitch(limits({ spendCapUsd: 0.05, dphUsd: 0.6 }), 0, 0);
    expect(s.spentUsd(150_000)).toBeCloseTo(0.025, 10);
    expect(s.due(299_999)).toBeNull();
    expect(s.msUntilDue(0)).toBe(300_000);
    expect(s.due(300_000)).toMatchObject({ kind: 'spend-cap', message: expect.stringMatching(/spend cap of \$0\.05 reached \(\$0\.6\/h × 0\.083 h = \$0\.05\)/) });
    // Contact does not buy more money.
    s.renew(299_000);
    expect(s.due(300_000)?.kind).toBe('spend-cap');
  });

  it('names the limit reached first when several are', () => {
    // Lease at 9 000 (last contact 6 000), lifetime at 8 000, spend at 7 200 ($1/h, cap $0.002).
    const s = new DeadManSwitch(limits({ leaseMs: 3000, lifetimeMs: 8000, spendCapUsd: 0.002, dphUsd: 1 }), 0, 0);
    s.renew(6000);
    expect(s.due(7199)).toBeNull();
    expect(s.due(10_000)).toMatchObject({ kind: 'spend-cap', atMs: 7200 });
    expect(s.view(5000)).toMatchObject({ leftMs: 2200, leaseLeftMs: 4000, lifetimeLeftMs: 3000, spendLeftMs: 2200 });
  });
});

describe('a switch with no limit', () => {
  it('cannot be made (arming says off instead)', () => {
    expect(() => new DeadManSwitch(limits({}), 0, 0)).toThrow(/at least one limit/);
  });
});
