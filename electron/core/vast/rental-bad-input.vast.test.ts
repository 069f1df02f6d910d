// Bad input on the way to a rental, through the console's methods, against the fake Vast.ai: each gets a clear
// error with a stable code and rents nothing (the fake's request log shows no create that made anything).
// Covered elsewhere and not repeated here: a wrong key already in the vault (rental-service.test.ts: the create
// answers 401, the intent row fails), an offer gone with another to take (rental-service.test.ts), filters out
// of range (vast-setup-methods.test.ts for the search, rental-service.test.ts for vast:rent), and each Vast
// limit on env, on-start and label at the client (vast-client.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeVast, type FakeVast } from '../../../test-harness/vast/fake-vast.js';
import { allRentals } from '../../../test-harness/vast/rental-invariants.js';
import { configureVast, openRentalConsole, testVastClientOptions, type RentalConsoleOptions } from '../../../test-harness/vast/rental-test-console.js';
import type { ConsoleCore } from '../console-core.js';
import { secretNames } from '../secrets/secret-vault.js';
import { consoleSettingKeys } from '../store/console-settings.js';
import { VastClient } from './vast-client.js';

let fake: FakeVast;
let vast: VastClient;
const dirs: string[] = [];
const cores: ConsoleCore[] = [];

beforeAll(async () => {
  fake = await startFakeVast({ seed: 1401, clockSpeed: 1, rateLimitScale: 0, boot: { provisioningMs: 100, loadingMs: 100 } });
  vast = new VastClient({ ...testVastClientOptions(fake.url), apiKey: fake.apiKey });
});
afterEach(async () => {
  for (const core of cores.splice(0)) await core.close();
  expect(fake.liveInstances()).toEqual([]);
  fake.log.clear();
});
afterAll(async () => {
  await fake?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function openConsole(options: Partial<RentalConsoleOptions> = {}): ConsoleCore {
  const dir = mkdtempSync(join(tmpdir(), 'mf-vast-bad-'));
  dirs.push(dir);
  const core = openRentalConsole({ dir, fakeUrl: fake.url, ...options });
  cores.push(core);
  return core;
}

async function rent(core: ConsoleCore, input: Record<string, unknown>): Promise<{ status: string | null; code: string | null; message: string | null }> {
  const answer = await core.invoke('vast:rent', { diskGb: 32, filters: { verifiedOnly: false }, ...input });
  if (!answer.ok) return { status: 'refused', code: answer.error.code, message: answer.error.message };
  const { operationId } = answer.data as { operationId: string };
  const status = await core.operations.settled(operationId);
  const error = core.operations.status(operationId).error;
  return { status, code: error?.code ?? null, message: error?.message ?? null };
}

const creates = (): number => fake.log.count({ endpoint: 'create' });

describe('bad input renting a GPU', () => {
  it('a wrong API key pasted in Settings: refused with VAST_AUTH_FAILED, not kept; renting then says no key is set; no create reached Vast', async () => {
    const core = openConsole();
    core.settings.set(consoleSettingKeys.vastGpuImage, 'registry.example.invalid/mediafleet-gpu:test');
    const saved = await core.invoke('vast:save-key', { apiKey: 'fakevast_0123456789abcdef0123456789abcdef' });
    expect(saved).toMatchObject({ ok: false, error: { code: 'VAST_AUTH_FAILED' } });
    const [offer] = await vast.searchOffers({ diskGb: 32, verifiedOnly: false });
    fake.log.clear();
    const outcome = await rent(core, { offerId: offer!.id });
    expect(outcome).toMatchObject({ status: 'refused', code: 'VAST_NOT_CONFIGURED' });
    expect(outcome.message).toMatch(/Settings → GPUs/);
    expect(fake.log.entries).toEqual([]);
    expect(await allRentals(core)).toEqual([]);
  });

  it('an offer gone and no other matching the filters: VAST_NO_OFFER_LEFT, nothing left running, the intent row failed as offer-gone', async () => {
    const core = openConsole();
    await configureVast(core, fake.apiKey);
    const [offer] = await vast.searchOffers({ diskGb: 32, verifiedOnly: false, minDirectPorts: 1 });
    const filters = { verifiedOnly: false, gpuNames: [offer!.gpuName], numGpus: offer!.numGpus };
    // Every offer these filters match is rented by someone else before the create.
    for (const o of await vast.searchOffers({ ...filters, diskGb: 32 })) fake.vanishOffer(o.id);
    const outcome = await rent(core, { offerId: offer!.id, filters, maxAttempts: 3 });
    expect(outcome).toMatchObject({ status: 'failed', code: 'VAST_NO_OFFER_LEFT' });
    expect(outcome.message).toMatch(/Nothing is left running/);
    expect(fake.log.entries.filter((e) => e.endpoint === 'create').map((e) => e.status)).toEqual([404]);
    const rentals = await allRentals(core);
    expect(rentals).toMatchObject([{ offerId: offer!.id, state: 'failed', endReason: 'offer-gone', instanceId: null, lastError: { code: 'VAST_OFFER_GONE' } }]);
    expect(await core.vault.get(secretNames.vastRentalToken(rentals[0].rentalId))).toBeNull();
  });

  it.each([
    ['a value over 256 characters', { MEDIAFLEET_EXTRA: 'x'.repeat(257) }],
    ['over 32 KB in all', Object.fromEntries(Array.from({ length: 170 }, (_, i) => [`MEDIAFLEET_X${i}`, 'y'.repeat(200)]))],
  ])('env too long (%s): VAST_ENV_TOO_LONG before the create is sent, the intent row failed, its token removed', async (_what, env) => {
    const core = openConsole({ agent: { env } });
    await configureVast(core, fake.apiKey);
    const [offer] = await vast.searchOffers({ diskGb: 32, verifiedOnly: false });
    fake.log.clear();
    const outcome = await rent(core, { offerId: offer!.id });
    expect(outcome).toMatchObject({ status: 'failed', code: 'VAST_ENV_TOO_LONG' });
    expect(creates()).toBe(0);
    const [rental] = await allRentals(core);
    expect(rental).toMatchObject({ state: 'failed', endReason: 'create-refused', instanceId: null, lastError: { code: 'VAST_ENV_TOO_LONG' } });
    expect(await core.vault.get(secretNames.vastRentalToken(rental.rentalId))).toBeNull();
  });
});
