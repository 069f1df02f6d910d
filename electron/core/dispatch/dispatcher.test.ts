// The dispatcher's choice, as pure arithmetic over a described fleet: capability, health, backpressure,
// windows, the earliest expected finish with measured speed and bandwidth, pinning, failed agents last, cost.
import { describe, expect, it } from 'vitest';
import { Dispatcher, type DispatchAgent, type DispatchRequest } from './dispatcher.js';

const agent = (id: string, patch: Partial<DispatchAgent> = {}): DispatchAgent => ({
  id,
  name: id,
  local: false,
  costClass: 'fixed',
  up: true,
  downReason: null,
  analyses: new Set(['nsfw', 'faces', 'pose', 'ocr', 'video', 'transcribe']),
  workers: 1,
  foreignQueued: 0,
  maxQueueDepth: 1000,
  ...patch,
});

const request = (patch: Partial<DispatchRequest> = {}): DispatchRequest => ({
  requestId: 'r1',
  bytes: 200_000,
  mediaKind: 'image',
  analyses: null,
  pinnedAgentId: null,
  failedOn: new Set(),
  ...patch,
});

describe('dispatcher', () => {
  it('picks the earliest expected finish and says why, in words', () => {
    const d = new Dispatcher();
    d.observeRun('fast', 'image', 0.5);
    d.observeRun('slow', 'image', 2);
    const choice = d.choose([agent('slow'), agent('fast')], request());
    expect(choice).toMatchObject({
      agentId: 'fast',
      decision: expect.stringMatching(/^earliest finish: fast, about (under a second|\d+ s)$/),
    });
  });

  it('counts what is ahead on each agent, so a queue spreads over the fleet by speed', () => {
    const d = new Dispatcher({ inFlightPerWorker: 100 });
    d.observeRun('a', 'image', 1);
    d.observeRun('b', 'image', 2);
    const fleet = [agent('a'), agent('b')];
    const placed: Record<string, number> = { a: 0, b: 0 };
    for (let i = 0; i < 30; i++) {
      const choice = d.choose(fleet, request({ requestId: `r${i}` }));
      if (choice.agentId === undefined) throw new Error(choice.wait);
      placed[choice.agentId]!++;
      d.took(choice.agentId);
    }
    // Twice as fast, twice the work: 20 and 10.
    expect(placed).toEqual({ a: 20, b: 10 });
  });

  it('more workers take proportionally more; foreign queue on an agent counts against it', () => {
    const d = new Dispatcher();
    d.observeRun('big', 'image', 1);
    d.observeRun('small', 'image', 1);
    expect(d.expectedSeconds(agent('big', { workers: 4 }), request())).toBeLessThan(
      d.expectedSeconds(agent('small'), request()),
    );
    expect(
      d.choose([agent('big', { workers: 4, foreignQueued: 40 }), agent('small')], request()).agentId,
    ).toBe('small');
  });

  it('transfer time counts: a big video goes to the near agent when the far one is only a little faster', () => {
    const d = new Dispatcher();
    d.observeRun('far', 'video', 30);
    d.observeRun('near', 'video', 35);
    d.observeUpload('far', 10e6, 10_000); // 1 MB/s
    d.observeUpload('near', 100e6, 1000); // 100 MB/s
    const video = request({ mediaKind: 'video', bytes: 200e6 });
    expect(d.choose([agent('far'), agent('near')], video).agentId).toBe('near');
  });

  it('an agent is skipped when down, unable to run the analyses, cooling after a 429, or full; the wait says why', () => {
    const d = new Dispatcher({ inFlightPerWorker: 1 });
    const down = agent('down', { up: false, downReason: 'timeout' });
    const noOcr = agent('no-ocr', { analyses: new Set(['nsfw']) });
    const unknown = agent('unknown', { analyses: null });
    expect(d.choose([down, noOcr, unknown], request({ analyses: ['ocr'] }))).toEqual({
      wait: "down is down (timeout); no-ocr cannot run ocr; unknown's capabilities are not known yet",
      capacityOnly: false,
    });
    // Without named analyses any analysis of the kind will do; no video analysis means no video.
    expect(d.choose([noOcr], request()).agentId).toBe('no-ocr');
    expect(d.choose([noOcr], request({ mediaKind: 'video' }))).toEqual({
      wait: 'no-ocr cannot run video',
      capacityOnly: false,
    });
    const one = agent('one');
    d.took('one');
    // A full window is the normal queue (capacityOnly), not a reason to show on the request.
    expect(d.choose([one], request())).toMatchObject({
      wait: expect.stringMatching(/1 of ours in flight, its window/),
      capacityOnly: true,
    });
    d.released('one');
    d.coolDown('one', 30);
    expect(d.choose([one], request())).toMatchObject({ wait: expect.stringMatching(/asked to wait 30 s/) });
  });

  it('never more of ours in flight than the agent accepts: the window is its workers × 2, capped by its queue', () => {
    const d = new Dispatcher();
    expect(d.window(agent('a', { workers: 3 }))).toBe(6);
    expect(d.window(agent('a', { workers: 3, maxQueueDepth: 4 }))).toBe(4);
  });

  it('a pinned request goes to its agent or waits; it never falls back elsewhere', () => {
    const d = new Dispatcher();
    expect(d.choose([agent('a'), agent('b')], request({ pinnedAgentId: 'b' }))).toMatchObject({
      agentId: 'b',
      decision: expect.stringMatching(/^pinned to b/),
    });
    expect(d.choose([agent('a'), agent('b', { up: false })], request({ pinnedAgentId: 'b' }))).toEqual({
      wait: 'b is down',
      capacityOnly: false,
    });
  });

  it('an agent that failed the request is used only when nothing else can take it; the built-in agent is the fallback', () => {
    const d = new Dispatcher();
    d.observeRun('vps', 'image', 0.2);
    d.observeRun('local', 'image', 5);
    const fleet = [agent('vps'), agent('local', { local: true, name: 'This computer' })];
    expect(d.choose(fleet, request()).agentId).toBe('vps');
    expect(d.choose(fleet, request({ failedOn: new Set(['vps']) }))).toMatchObject({
      agentId: 'local',
      decision: expect.stringMatching(/after 1 failed attempt/),
    });
    expect(d.choose(fleet, request({ failedOn: new Set(['vps', 'local']) })).agentId).toBe('vps');
    // On a tie, a server before this computer.
    const tie = new Dispatcher();
    for (const id of ['local', 'vps']) tie.observeUpload(id, 10e6, 1000);
    expect(tie.choose([agent('local', { local: true }), agent('vps')], request()).agentId).toBe('vps');
  });

  it('a per-second agent takes work only when the cost policy allows it; fixed-cost agents win ties', () => {
    let allow = false;
    const d = new Dispatcher({ allowCost: () => allow });
    const gpu = agent('gpu', { costClass: 'per-second' });
    d.observeRun('gpu', 'video', 5);
    d.observeRun('cpu', 'video', 60);
    const video = request({ mediaKind: 'video' });
    expect(d.choose([gpu, agent('cpu')], video).agentId).toBe('cpu');
    allow = true;
    expect(d.choose([gpu, agent('cpu')], video).agentId).toBe('gpu');
    const tie = new Dispatcher({ allowCost: () => true });
    expect(tie.choose([gpu, agent('cpu')], video).agentId).toBe('cpu');
  });

  it('uses the benchmark before anything is measured, and the measurement once there is one', () => {
    const d = new Dispatcher();
    expect(d.secondsPerItem('a', 'image')).toEqual({ seconds: 1.5, source: 'default' });
    d.observeBenchmark('a', 0.46);
    expect(d.secondsPerItem('a', 'image')).toEqual({ seconds: 0.46, source: 'benchmark' });
    d.observeRun('a', 'image', 1);
    expect(d.secondsPerItem('a', 'image')).toEqual({ seconds: 1, source: 'measured' });
    d.observeRun('a', 'image', 2);
    expect(d.secondsPerItem('a', 'image').seconds).toBeCloseTo(1.3);
  });
});
