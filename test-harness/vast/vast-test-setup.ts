// Test helper: a fake Vast.ai (manual clock) and a VastClient aimed at it whose spacing is scaled down, so tests
// run in milliseconds. The fake's own limiter is off unless a test turns it on (rateLimitScale): at millisecond
// intervals, scheduling jitter alone would make it fire now and then, and tests that count requests would flake.
import { VastClient, type VastClientOptions } from '../../electron/core/vast/vast-client.js';
import { scaledIntervals } from '../../electron/core/vast/vast-endpoints.js';
import { startFakeVast, type FakeVast, type FakeVastOptions } from './fake-vast.js';

/** Real limits are seconds; the client's spacing runs 500× faster in tests (create 9 ms, show 4 ms, search 12 ms). */
export const testRateScale = 0.002;

export interface FakeVastWithClient {
  fake: FakeVast;
  client: VastClient;
  close(): Promise<void>;
}

export async function startFakeVastWithClient(fakeOptions: FakeVastOptions = {}, clientOptions: Partial<VastClientOptions> = {}): Promise<FakeVastWithClient> {
  const fake = await startFakeVast({ clockSpeed: 0, rateLimitScale: 0, boot: { provisioningMs: 10_000, loadingMs: 60_000 }, ...fakeOptions });
  const client = new VastClient({
    baseUrl: fake.url,
    apiKey: fake.apiKey,
    minIntervalsMs: scaledIntervals(testRateScale),
    retry: { maxTries: 6, maxTotalMs: 5_000, initialDelayMs: 5, maxDelayMs: 50 },
    readBackDelaysMs: [5, 20, 50],
    requestTimeoutMs: 5_000,
    createTimeoutMs: 1_000,
    ...clientOptions,
  });
  return { fake, client, close: () => fake.close() };
}
