// Test helper: the console core as the rental tests build it (a real SQLite file and file vault in a directory,
// no built-in agent, the request runner off), with its Vast client aimed at the fake and the rental timings
// scaled down so a test takes seconds. The crash tests' child process builds the same core on the same files.
import { join } from 'node:path';
import { createConsoleCore, type ConsoleCore, type ConsoleCoreOptions } from '../../electron/core/console-core.js';
import { secretNames } from '../../electron/core/secrets/secret-vault.js';
import { consoleSettingKeys } from '../../electron/core/store/console-settings.js';
import type { RentalTimings } from '../../electron/core/vast/rental-service.js';
import { VastClient, type VastClientOptions } from '../../electron/core/vast/vast-client.js';
import { scaledIntervals } from '../../electron/core/vast/vast-endpoints.js';
import { AgentInstanceRuntime } from './agent-instance-runtime.js';
import { startFakeVast, type FakeVast, type FakeVastOptions } from './fake-vast.js';
import { testRateScale } from './vast-test-setup.js';

export const testGpuImage = 'registry.example.invalid/mediafleet-gpu:test';
export const testVaultPassphrase = 'rental tests passphrase';

/** Fast, but each wait long enough for a real agent to start on a busy 2-core machine. */
export const testRentalTimings: RentalTimings = {
  pollMs: 50,
  bootTimeoutMs: 30_000,
  agentTimeoutMs: 60_000,
  agentProbeTimeoutMs: 3_000,
  createWindowMs: 1_500,
  confirmGoneDelaysMs: [0, 50, 100, 200, 400],
  cleanupTimeoutMs: 20_000,
};

export function testVastClientOptions(fakeUrl: string, overrides: Partial<VastClientOptions> = {}): Omit<VastClientOptions, 'apiKey'> {
  return {
    baseUrl: fakeUrl,
    minIntervalsMs: scaledIntervals(testRateScale),
    retry: { maxTries: 6, maxTotalMs: 5_000, initialDelayMs: 5, maxDelayMs: 50 },
    readBackDelaysMs: [5, 20, 50],
    requestTimeoutMs: 5_000,
    createTimeoutMs: 1_000,
    ...overrides,
  };
}

/** What the rented agents run with in these tests: settings for a 2-core machine (a real GPU image bakes in its own). */
export const testRentedAgentEnv = { MEDIAFLEET_WORKERS: '1', MEDIAFLEET_WARMUP: 'none', MEDIAFLEET_LOG_LEVEL: 'warn' };

/**
 * The fake Vast.ai as the rental tests use it: real time, its own limiter off, a machine boots in half a second and
 * runs a real agent process (`AgentInstanceRuntime`, one worker, no warm-up) unless `runtime` says otherwise; and
 * the console's `VastClient` aimed at it with the scaled-down spacing.
 */
export async function startFakeVastWithAgents(options: FakeVastOptions = {}): Promise<{ fake: FakeVast; vast: VastClient }> {
  const fake = await startFakeVast({
    clockSpeed: 1,
    rateLimitScale: 0,
    boot: { provisioningMs: 200, loadingMs: 300 },
    ...options,
    runtime: options.runtime ?? new AgentInstanceRuntime({ stopGraceMs: 3_000, extraEnv: testRentedAgentEnv }),
  });
  return { fake, vast: new VastClient({ ...testVastClientOptions(fake.url), apiKey: fake.apiKey }) };
}

/** Whatever a test left running on the fake is destroyed, and the fake's billing settles. */
export async function destroyLeftovers(fake: FakeVast, vast: VastClient): Promise<void> {
  for (const instance of fake.liveInstances()) await vast.destroyInstance(instance.id).catch(() => undefined);
  await fake.settle();
}

export interface RentalConsoleOptions {
  dir: string;
  fakeUrl: string;
  timings?: Partial<RentalTimings>;
  client?: Partial<VastClientOptions>;
  /** The idle policy's settings (gpu-idle-policy.ts); its loop runs only after rentals.startReconcile(). */
  idle?: NonNullable<ConsoleCoreOptions['vast']>['idle'];
  /** What the rented agent is started with (its dead-man lease, more env such as where Vast's API is). */
  agent?: NonNullable<ConsoleCoreOptions['vast']>['agent'];
  extra?: Partial<ConsoleCoreOptions>;
}

export function openRentalConsole(options: RentalConsoleOptions): ConsoleCore {
  return createConsoleCore({
    storePath: join(options.dir, 'console.sqlite'),
    vault: { kind: 'file', path: join(options.dir, 'vault.bin'), passphrase: testVaultPassphrase },
    requests: { run: false },
    onInvalidEvent: 'throw',
    vast: {
      clientFor: (apiKey) => new VastClient({ ...testVastClientOptions(options.fakeUrl, options.client), apiKey }),
      timings: { ...testRentalTimings, ...options.timings },
      onReconcileError: () => undefined,
      idle: options.idle,
      agent: options.agent,
    },
    ...options.extra,
  });
}

/** What Settings → GPUs would have saved: the key (in the vault) and the GPU image reference. */
export async function configureVast(core: ConsoleCore, apiKey: string): Promise<void> {
  await core.vault.set(secretNames.cloudApiKey('vast'), apiKey);
  core.settings.set(consoleSettingKeys.vastGpuImage, testGpuImage);
}
