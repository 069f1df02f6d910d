// Settings → GPUs and Fleet's "Add GPU" at the console's boundary, against the fake Vast.ai (a real SQLite store and
// file vault, the console core as the shells build it): the key is checked before it is saved, the account's credit,
// the offer search (filters refused before any call, offers sorted by the all-in $/h with their speed score), and
// the GPU image and registry login a rental then sends to Vast.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeVast, type FakeVast } from '../../../test-harness/vast/fake-vast.js';
import { configureVast, openRentalConsole, testGpuImage, testVastClientOptions } from '../../../test-harness/vast/rental-test-console.js';
import type { ConsoleCore } from '../console-core.js';
import type { VastAccountView, VastOfferSearch, VastSettingsView } from '../contracts/vast.js';
import { secretNames } from '../secrets/secret-vault.js';
import { consoleSettingKeys } from '../store/console-settings.js';
import { VastClient } from './vast-client.js';

let fake: FakeVast;
/** A second Vast.ai account (another fake with its own key and account id). */
let otherAccount: FakeVast;
const dirs: string[] = [];
const cores: ConsoleCore[] = [];

beforeAll(async () => {
  fake = await startFakeVast({ seed: 31, clockSpeed: 1, rateLimitScale: 0, account: { id: 4242, email: 'operator@example.invalid' } });
  otherAccount = await startFakeVast({ seed: 32, clockSpeed: 1, rateLimitScale: 0, account: { id: 777, email: 'someone-else@example.invalid' } });
});
afterEach(async () => {
  for (const core of cores.splice(0)) await core.close();
  fake.log.clear();
  otherAccount.log.clear();
});
afterAll(async () => {
  await fake?.close();
  await otherAccount?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A console whose Vast client goes to whichever fake the key belongs to (as console.vast.ai serves every account). */
function openConsole(): ConsoleCore {
  const dir = mkdtempSync(join(tmpdir(), 'mf-vast-setup-'));
  dirs.push(dir);
  const urlFor = (apiKey: string) => (apiKey === otherAccount.apiKey ? otherAccount.url : fake.url);
  const core = openRentalConsole({
    dir,
    fakeUrl: fake.url,
    extra: {
      vast: {
        clientFor: (apiKey) => new VastClient({ ...testVastClientOptions(urlFor(apiKey)), apiKey }),
        timings: { pollMs: 50, createWindowMs: 1_500, confirmGoneDelaysMs: [0, 50, 100] },
        onReconcileError: () => undefined,
      },
    },
  });
  cores.push(core);
  return core;
}

async function ok<T>(core: ConsoleCore, method: string, input: unknown, readOnly = false): Promise<T> {
  const answer = await core.invoke(method, input, { readOnly });
  if (!answer.ok) throw new Error(`${method}: ${answer.error.code} ${answer.error.message}`);
  return answer.data as T;
}

async function refusal(core: ConsoleCore, method: string, input: unknown, readOnly = false): Promise<{ code: string; message: string; field?: string }> {
  const answer = await core.invoke(method, input, { readOnly });
  if (answer.ok) throw new Error(`${method} was accepted: ${JSON.stringify(answer.data)}`);
  return answer.error;
}

const storedKey = (core: ConsoleCore) => core.vault.get(secretNames.cloudApiKey('vast'));

describe('vast:save-key and vast:account', () => {
  it('refuses a key Vast refuses and saves nothing; saves a key Vast accepts and answers its email and credit', async () => {
    const core = openConsole();
    const wrong = await refusal(core, 'vast:save-key', { apiKey: 'fakevast_0000000000000000000000000000' });
    expect(wrong.code).toBe('VAST_AUTH_FAILED');
    expect(wrong.message).toMatch(/refused the API key/);
    // Vast was asked (and said 401) before anything was kept.
    expect(fake.log.entries.map((e) => [e.endpoint, e.status])).toEqual([['account', 401]]);
    expect(await storedKey(core)).toBeNull();
    expect(await ok<VastAccountView>(core, 'vast:account', {}, true)).toEqual({ configured: false, email: null, creditUsd: null, error: null });

    const saved = await ok<{ email: string | null; creditUsd: number }>(core, 'vast:save-key', { apiKey: `  ${fake.apiKey}\n` });
    expect(saved.email).toBe('operator@example.invalid');
    expect(saved.creditUsd).toBeCloseTo(fake.credit, 2);
    expect(await storedKey(core)).toBe(fake.apiKey);
    expect(core.settings.get(consoleSettingKeys.vastAccountId)).toBe('4242');
    expect(core.audit.list({ limit: 10 }).map((e) => e.action)).toContain('vast.key-saved');
    expect(JSON.stringify(core.audit.list({ limit: 10 }))).not.toContain(fake.apiKey);

    // A read-only console reads the account; the credit comes from Vast.
    const account = await ok<VastAccountView>(core, 'vast:account', {}, true);
    expect(account).toMatchObject({ configured: true, email: 'operator@example.invalid', error: null });
    expect(account.creditUsd).toBeCloseTo(fake.credit, 2);
    // Asked not to check: no call to Vast.
    fake.log.clear();
    expect(await ok<VastAccountView>(core, 'vast:account', { checkWithVast: false }, true)).toEqual({ configured: true, email: null, creditUsd: null, error: null });
    expect(fake.log.entries).toEqual([]);

    // A wrong key later leaves the working one in place.
    expect((await refusal(core, 'vast:save-key', { apiKey: 'fakevast_ffffffffffffffffffffffffffff' })).code).toBe('VAST_AUTH_FAILED');
    expect(await storedKey(core)).toBe(fake.apiKey);
    // Saving a key is a change: a read-only console may not.
    expect((await refusal(core, 'vast:save-key', { apiKey: fake.apiKey }, true)).code).toBe('READ_ONLY');
  });

  it('refuses a malformed key before asking Vast', async () => {
    const core = openConsole();
    expect(await refusal(core, 'vast:save-key', { apiKey: 'short' })).toMatchObject({ code: 'INVALID_INPUT', field: 'apiKey' });
    expect(await refusal(core, 'vast:save-key', { apiKey: 'fakevast_0123 456789abcdef0123456789' })).toMatchObject({ code: 'INVALID_INPUT', field: 'apiKey' });
    expect(fake.log.entries).toEqual([]);
    expect(await storedKey(core)).toBeNull();
  });

  it('says when the saved key is refused now, instead of failing', async () => {
    const core = openConsole();
    // Revoked on vast.ai after it was saved.
    await core.vault.set(secretNames.cloudApiKey('vast'), 'fakevast_revoked000000000000000000000');
    const account = await ok<VastAccountView>(core, 'vast:account', {}, true);
    expect(account).toMatchObject({ configured: true, creditUsd: null, error: { code: 'VAST_AUTH_FAILED' } });
  });

  it('refuses a key of another account while a rental is open, and takes it once none is', async () => {
    const core = openConsole();
    // The key put in the vault directly (no account id kept): the console asks Vast whose the old key is.
    await configureVast(core, fake.apiKey);
    const rental = core.rentals.repo.insertIntent({ id: randomUUID(), label: `mediafleet-${core.settings.consoleId()}-x`, operationId: null, attempt: 1, offerId: 1, diskGb: 32, image: testGpuImage });
    const refused = await refusal(core, 'vast:save-key', { apiKey: otherAccount.apiKey });
    expect(refused.code).toBe('VAST_KEY_OTHER_ACCOUNT');
    expect(refused.message).toMatch(/someone-else@example\.invalid/);
    expect(await storedKey(core)).toBe(fake.apiKey);
    // The same account's key is fine while renting.
    expect((await ok<{ email: string }>(core, 'vast:save-key', { apiKey: fake.apiKey })).email).toBe('operator@example.invalid');
    expect((await refusal(core, 'vast:save-key', { apiKey: otherAccount.apiKey })).code).toBe('VAST_KEY_OTHER_ACCOUNT');

    core.rentals.repo.markFailed(rental.id, 'test', null);
    expect((await ok<{ email: string }>(core, 'vast:save-key', { apiKey: otherAccount.apiKey })).email).toBe('someone-else@example.invalid');
    expect(await storedKey(core)).toBe(otherAccount.apiKey);
    expect(core.settings.get(consoleSettingKeys.vastAccountId)).toBe('777');
  });
});

describe('vast:search-offers', () => {
  it('needs a key', async () => {
    const core = openConsole();
    expect((await refusal(core, 'vast:search-offers', {}, true)).code).toBe('VAST_NOT_CONFIGURED');
    expect(fake.log.entries).toEqual([]);
  });

  it('refuses filters out of range before any call to Vast, naming the filter', async () => {
    const core = openConsole();
    await configureVast(core, fake.apiKey);
    for (const [filters, field] of [
      [{ maxDphTotal: -1 }, 'maxDphTotal'],
      [{ minReliability: 1.5 }, 'minReliability'],
      [{ diskGb: 4 }, 'diskGb'],
      [{ numGpus: 0 }, 'numGpus'],
      [{ countries: ['usa'] }, 'countries.0'],
      [{ gpuNames: [''] }, 'gpuNames.0'],
      [{ maxPrice: 1 }, 'filters'],
    ] as const) {
      const error = await refusal(core, 'vast:search-offers', filters, true);
      expect(error.code, JSON.stringify(filters)).toBe('VAST_FILTER_OUT_OF_RANGE');
      if (field !== 'filters') expect(error.message).toContain(`"${field}"`);
    }
    expect((await refusal(core, 'vast:search-offers', [1, 2], true)).code).toBe('INVALID_INPUT');
    expect(fake.log.entries).toEqual([]);
  });

  it('lists matching offers sorted by the all-in $/h with the disk asked for, each with DLPerf per $/h', async () => {
    const core = openConsole();
    await configureVast(core, fake.apiKey);
    // Vast answers in its score order here; the console still lists the cheapest first.
    const filters = { gpuNames: ['RTX 4090', 'RTX 3090', 'RTX A4000'], maxDphTotal: 3, minReliability: 0.9, diskGb: 120, verifiedOnly: false, minDirectPorts: 1, order: 'score', limit: 50 };
    const search = await ok<VastOfferSearch>(core, 'vast:search-offers', filters, true);
    expect(search.diskGb).toBe(120);
    expect(search.offers.length).toBeGreaterThan(3);
    const prices = search.offers.map((o) => o.allInUsdPerHour);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));

    // Checked against what Vast itself says of the same offers (its dph_total prices the allocated storage).
    const vast = new VastClient({ ...testVastClientOptions(fake.url), apiKey: fake.apiKey });
    const raw = new Map((await vast.searchOffers(filters as never)).map((o) => [o.id, o]));
    const inScoreOrder = [...raw.keys()];
    expect(search.offers.map((o) => o.offerId)).not.toEqual(inScoreOrder);
    expect(new Set(search.offers.map((o) => o.offerId))).toEqual(new Set(inScoreOrder));
    for (const offer of search.offers) {
      const r = raw.get(offer.offerId)!;
      expect(['RTX 4090', 'RTX 3090', 'RTX A4000']).toContain(offer.gpuName);
      expect(offer.reliability).toBeGreaterThanOrEqual(0.9);
      expect(offer.allInUsdPerHour).toBeLessThanOrEqual(3);
      expect(offer.allInUsdPerHour).toBeCloseTo(r.dphTotal, 5);
      expect(offer.gpuUsdPerHour + offer.diskUsdPerHour).toBeCloseTo(offer.allInUsdPerHour, 5);
      expect(offer.diskUsdPerHour).toBeCloseTo((120 * r.storageCostPerGbMonth) / 720, 5);
      expect(offer.directPortCount).toBeGreaterThanOrEqual(1);
      expect(offer.gpuRamGb).toBeCloseTo(r.gpuRamMb! / 1024, 1);
      expect(offer.location).toBe(r.geolocation);
      expect(offer.speedScore).toBeCloseTo(r.dlperf! / r.dphTotal, 0);
    }
    // A bigger disk costs more per hour for the same offer.
    const small = await ok<VastOfferSearch>(core, 'vast:search-offers', { ...filters, diskGb: 16 }, true);
    const same = small.offers.find((o) => o.offerId === search.offers[0]!.offerId)!;
    expect(same.allInUsdPerHour).toBeLessThan(search.offers[0]!.allInUsdPerHour);
  });
});

describe('vast:settings and vast:set-settings', () => {
  it('keeps the GPU image as a setting and the registry login in the vault, answering only that a login is saved', async () => {
    const core = openConsole();
    expect(await ok<VastSettingsView>(core, 'vast:settings', {}, true)).toEqual({ gpuImage: null, imageLogin: { configured: false }, defaultFilters: null });
    const login = { registry: 'registry.example.com', username: 'robot', password: 'Tok3n-very-secret' };
    const saved = await ok<VastSettingsView>(core, 'vast:set-settings', { gpuImage: ' registry.example.com/team/mediafleet-gpu:1.4.0 ', imageLogin: login });
    expect(saved).toEqual({ gpuImage: 'registry.example.com/team/mediafleet-gpu:1.4.0', imageLogin: { configured: true }, defaultFilters: null });
    expect(await core.vault.get(secretNames.vastImageLogin())).toBe('-u robot -p Tok3n-very-secret registry.example.com');
    expect(core.settings.get(consoleSettingKeys.vastGpuImage)).toBe('registry.example.com/team/mediafleet-gpu:1.4.0');
    expect(JSON.stringify(core.audit.list({ limit: 10 }))).not.toContain('Tok3n-very-secret');
    // Read-only: read, never change.
    expect(await ok<VastSettingsView>(core, 'vast:settings', {}, true)).toEqual(saved);
    expect((await refusal(core, 'vast:set-settings', { gpuImage: null }, true)).code).toBe('READ_ONLY');

    // Bad values are refused with the field named, and change nothing.
    expect(await refusal(core, 'vast:set-settings', { gpuImage: 'Registry.example.com/Team/GPU:latest' })).toMatchObject({ code: 'INVALID_INPUT', field: 'gpuImage' });
    expect(await refusal(core, 'vast:set-settings', { gpuImage: 'registry.example.com/gpu:has space' })).toMatchObject({ code: 'INVALID_INPUT', field: 'gpuImage' });
    expect(await refusal(core, 'vast:set-settings', { imageLogin: { ...login, password: 'two words' } })).toMatchObject({ code: 'INVALID_INPUT', field: 'imageLogin.password' });
    expect(await refusal(core, 'vast:set-settings', { imageLogin: { ...login, registry: 'https://registry.example.com' } })).toMatchObject({ code: 'INVALID_INPUT', field: 'imageLogin.registry' });
    expect(await ok<VastSettingsView>(core, 'vast:settings', {}, true)).toEqual(saved);

    // Only what is given changes; null removes.
    expect(await ok<VastSettingsView>(core, 'vast:set-settings', { imageLogin: null })).toEqual({ gpuImage: saved.gpuImage, imageLogin: { configured: false }, defaultFilters: null });
    expect(await core.vault.has(secretNames.vastImageLogin())).toBe(false);
    expect(await ok<VastSettingsView>(core, 'vast:set-settings', { gpuImage: null })).toEqual({ gpuImage: null, imageLogin: { configured: false }, defaultFilters: null });
  });

  it('keeps the offer filters Add GPU starts from, checked like a search; null goes back to the built-in ones', async () => {
    const core = openConsole();
    const saved = await ok<VastSettingsView>(core, 'vast:set-settings', { defaultFilters: { gpuNames: ['RTX 4090'], maxDphTotal: 0.6, diskGb: 64, verifiedOnly: false } });
    expect(saved.defaultFilters).toMatchObject({ gpuNames: ['RTX 4090'], maxDphTotal: 0.6, diskGb: 64, verifiedOnly: false, minDirectPorts: 1 });
    expect(await ok<VastSettingsView>(core, 'vast:settings', {}, true)).toEqual(saved);
    // Out of range or unknown: refused with the field named, the saved ones kept.
    expect(await refusal(core, 'vast:set-settings', { defaultFilters: { diskGb: 2 } })).toMatchObject({ code: 'INVALID_INPUT', field: 'defaultFilters.diskGb' });
    expect((await refusal(core, 'vast:set-settings', { defaultFilters: { telepathy: true } })).code).toBe('INVALID_INPUT');
    expect((await refusal(core, 'vast:set-settings', { defaultFilters: null }, true)).code).toBe('READ_ONLY');
    expect((await ok<VastSettingsView>(core, 'vast:settings', {}, true)).defaultFilters).toEqual(saved.defaultFilters);
    // A stored value that no longer parses (a store edited by hand) counts as none rather than failing the view.
    core.settings.set(consoleSettingKeys.vastDefaultFilters, '{"diskGb": "lots"');
    expect((await ok<VastSettingsView>(core, 'vast:settings', {}, true)).defaultFilters).toBeNull();
    expect((await ok<VastSettingsView>(core, 'vast:set-settings', { defaultFilters: null })).defaultFilters).toBeNull();
  });

  it('a published GPU image becomes what rentals pull: pinned to its digest, with the login it was pushed with', async () => {
    const core = openConsole();
    const digest = `sha256:${'ab'.repeat(32)}`;
    const published = { image: 'registry.example.com/team/mediafleet-gpu:1.5.0', registry: 'registry.example.com', digest, credentialName: 'team-registry', agentVersion: '1.5.0', cudaBaseImage: 'nvidia/cuda:12.4.1-runtime-ubuntu22.04', operationId: 'op-1', publishedAt: new Date().toISOString() };
    const settings = core.vastImageSettings;
    expect(await settings.useForRentals(published, { serveraddress: 'https://registry.example.com/', username: 'robot', password: 'pushT0ken' })).toContain('pulled with the login of robot');
    expect(await ok<VastSettingsView>(core, 'vast:settings', {}, true)).toEqual({ gpuImage: `${published.image}@${digest}`, imageLogin: { configured: true }, defaultFilters: null });
    expect(await core.vault.get(secretNames.vastImageLogin())).toBe('-u robot -p pushT0ken registry.example.com');
    // A login Vast could not pass on its command line is not saved; the image still is, and the line says why.
    const line = await settings.useForRentals({ ...published, digest: `sha256:${'cd'.repeat(32)}` }, { serveraddress: 'registry.example.com', username: 'robot', password: 'two words' });
    expect(line).toMatch(/not saved for Vast .*Settings → GPUs/);
    expect(core.settings.get(consoleSettingKeys.vastGpuImage)).toBe(`${published.image}@sha256:${'cd'.repeat(32)}`);
    expect(await core.vault.get(secretNames.vastImageLogin())).toBe('-u robot -p pushT0ken registry.example.com');
    // Pushed anonymously: the image needs no login, and the old one is removed.
    await settings.useForRentals({ ...published, credentialName: null }, null);
    expect(await ok<VastSettingsView>(core, 'vast:settings', {}, true)).toEqual({ gpuImage: `${published.image}@${digest}`, imageLogin: { configured: false }, defaultFilters: null });
  });

  it('is what a rental sends to Vast: the image and the registry login', async () => {
    const core = openConsole();
    await ok(core, 'vast:save-key', { apiKey: fake.apiKey });
    expect((await refusal(core, 'vast:rent', { offerId: 999_999_999, filters: { verifiedOnly: false }, maxAttempts: 1 })).code).toBe('VAST_IMAGE_NOT_SET');
    await ok(core, 'vast:set-settings', { gpuImage: 'ghcr.io/team/mediafleet-gpu:2.0', imageLogin: { registry: 'ghcr.io', username: 'team', password: 'ghp_abc123' } });
    fake.log.clear();
    // An offer that does not exist: Vast refuses the create, nothing is rented, and its request shows what was sent.
    const { operationId } = await ok<{ operationId: string }>(core, 'vast:rent', { offerId: 999_999_999, filters: { verifiedOnly: false }, maxAttempts: 1 });
    expect(await core.operations.settled(operationId)).toBe('failed');
    const creates = fake.log.entries.filter((e) => e.endpoint === 'create');
    expect(creates.length).toBeGreaterThan(0);
    expect(creates[0]!.body).toMatchObject({ image: 'ghcr.io/team/mediafleet-gpu:2.0', image_login: '-u team -p ghp_abc123 ghcr.io' });
    expect(fake.liveInstances()).toEqual([]);
  }, 60_000);
});
