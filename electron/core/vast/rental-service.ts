// Renting, destroying and reconciling Vast.ai GPU instances so that none is ever lost track of. Renting is an
// operation (kind 'vast-rent'): each try writes an intent row with a unique label (this console's id and the
// rental's) BEFORE the create is sent, then creates, awaits the boot (the spec's fatal states destroy the
// instance, confirmed gone, and the next offer is tried a bounded number of times), waits for the agent to answer
// and registers it in the fleet as a rented, per-second agent. Destroying is confirmed against the listing. The
// reconcile compares Vast's listing with the rows: it adopts instances it finds for its rows, fails intents that
// left no instance, and destroys (and audits) instances with this console's label that nothing wants.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AgentSummary } from '../contracts/agents.js';
import { ConsoleError } from '../contracts/define.js';
import type { RentalView, ReconcileReport, RentInput } from '../contracts/vast.js';
import { RentInput as RentInputSchema } from '../contracts/vast.js';
import { AgentHttpClient } from '../agents/agent-http-client.js';
import type { AuditLog } from '../audit/audit-log.js';
import { readTemplate, renderTemplate } from '../deploy/render-templates.js';
import type { AgentsRepository } from '../fleet/agents-repository.js';
import type { OperationEngine } from '../operations/operation-engine.js';
import type { OperationTools } from '../operations/operation.js';
import { secretNames, type SecretVault } from '../secrets/secret-vault.js';
import { consoleSettingKeys, type ConsoleSettings } from '../store/console-settings.js';
import { abortableSleep } from './abortable-sleep.js';
import { RentalsRepository, type InstanceFacts, type RentalError, type RentalRecord } from './rentals-repository.js';
import { defaultIdlePolicy, idleDecisions, type IdleDecision, type IdlePolicySettings } from './gpu-idle-policy.js';
import { bootStateOf } from './vast-boot-state.js';
import { mintPairingSecret, pairRentedAgent } from './rented-agent-pairing.js';
import { VastClient, type VastClientOptions } from './vast-client.js';
import { VastError } from './vast-errors.js';
import { parseOfferFilters } from './vast-offer-query.js';
import { hostPortOf, type VastInstance, type VastOffer } from './vast-schemas.js';
import type { ConsoleDb } from '../store/console-store.js';

export interface RentalTimings {
  /** Between two polls of a booting instance (Vast's docs advise 10 s). */
  pollMs: number;
  /** From create to running (boot usually takes 1-5 min; SkyPilot gives up after 30). */
  bootTimeoutMs: number;
  /** From running to the agent answering /v1/info with the console's token. */
  agentTimeoutMs: number;
  /** Per probe of the agent. */
  agentProbeTimeoutMs: number;
  /**
   * How long after its create an instance may still be missing from Vast's answers (read-after-create lag); an
   * intent without an instance after this is failed (nothing was rented).
   */
  createWindowMs: number;
  /** Pauses before each look at the listing while confirming a destroyed instance is gone. */
  confirmGoneDelaysMs: number[];
  /** The longest one destroy (with its confirmation) may take when the operation that wanted it is canceled. */
  cleanupTimeoutMs: number;
}

export const defaultRentalTimings: RentalTimings = {
  pollMs: 10_000,
  bootTimeoutMs: 15 * 60_000,
  agentTimeoutMs: 5 * 60_000,
  agentProbeTimeoutMs: 10_000,
  createWindowMs: 5 * 60_000,
  confirmGoneDelaysMs: [0, 2_000, 5_000, 10_000, 20_000],
  cleanupTimeoutMs: 3 * 60_000,
};

/** What the agent on a rented instance is started with (the GPU image's on-start script reads these). */
export interface RentedAgentSettings {
  /** The agent's port in the container; Vast maps it to a host port of its choosing. */
  port: number;
  idleTimeoutS: number;
  deadmanS: number;
  spendCapUsd: number;
  /** More env for the agent (each value ≤ 256 characters, checked before the create). */
  env: Record<string, string>;
}

/** Between two reconcile passes: an orphan bills for at most about this long before it is destroyed. */
export const defaultReconcileIntervalMs = 5 * 60_000;

export const defaultRentedAgentSettings: RentedAgentSettings = { port: 8787, idleTimeoutS: 900, deadmanS: 900, spendCapUsd: 10, env: {} };

/** What renting needs of the fleet's registration path (AgentRegistration is the real one). */
export interface RentedAgentRegistration {
  addRented(input: { name: string; url: string; token: string; tlsFingerprint?: string | null }): Promise<AgentSummary>;
  remove(agentId: string): Promise<boolean>;
}

export interface RentalServiceDeps {
  db: ConsoleDb;
  vault: SecretVault;
  audit: AuditLog;
  operations: OperationEngine;
  agents: AgentsRepository;
  registration: RentedAgentRegistration;
  settings: ConsoleSettings;
  now?: () => Date;
  /** The Vast client for a key (default: console.vast.ai); one is kept per key, so its call spacing holds. */
  clientFor?: (apiKey: string) => VastClient;
  clientOptions?: Partial<VastClientOptions>;
  timings?: Partial<RentalTimings>;
  agent?: Partial<RentedAgentSettings>;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Where a failed background reconcile pass is reported (default: console.warn). */
  onReconcileError?: (error: unknown) => void;
  /** Throws (BUDGET_EXHAUSTED) when the budget allows no rental: asked before any call to Vast and before each create. */
  allowRental?: () => void;
  /** False once the budget is spent: the idle policy then lets the GPUs go (gpu-idle-policy.ts). */
  spendAllowed?: () => boolean;
  /** When idle GPUs are destroyed, and how often that is looked at (default every 30 s). */
  idle?: Partial<IdlePolicySettings> & { checkEveryMs?: number };
  /** The idle time when something else sets it now (the automatic scaler's K while its policy is on); null: `idle`'s. */
  idleMinutesNow?: () => number | null;
  /** Told of each GPU the idle policy destroyed (the automatic scaler records it as one of its decisions). */
  onIdleDestroyed?: (d: IdleDecision & { budgetSpent: boolean; idleMinutes: number }) => void;
}

interface RentContext {
  tools: OperationTools;
  client: VastClient;
  image: string;
  imageLogin: string | undefined;
  onstart: string;
  booted: Booted | null;
}

interface Booted {
  rentalId: string;
  instance: VastInstance;
  agentUrl: string;
  token: string;
  tlsFingerprint: string;
}

type AttemptOutcome = { kind: 'booted'; booted: Booted } | { kind: 'retry'; error: ConsoleError; machineId: number | null };

type BootOutcome =
  | { kind: 'ready'; instance: VastInstance; agentUrl: string; tlsFingerprint: string }
  /** `code`: VAST_PAIRING_FAILED when the instance answered as something other than its agent; else a boot failure. */
  | { kind: 'fatal'; why: string; machineId: number | null; code?: 'VAST_PAIRING_FAILED' };

type AgentProbe = { kind: 'ok'; tlsFingerprint: string } | { kind: 'refused'; message: string; pairing?: boolean } | { kind: 'not-yet'; message: string };

/** Create errors after which Vast certainly made nothing (the client never resends an ambiguous create). */
const refusedCreateCodes = new Set([
  'VAST_AUTH_FAILED',
  'VAST_FORBIDDEN',
  'VAST_NO_CREDIT',
  'VAST_OFFER_GONE',
  'VAST_RATE_LIMITED',
  'VAST_UNAVAILABLE',
  'VAST_BAD_REQUEST',
  'VAST_LABEL_TOO_LONG',
  'VAST_ENDPOINT_GONE',
  'VAST_ENV_TOO_LONG',
  'VAST_ONSTART_TOO_LONG',
  'VAST_INVALID_REQUEST',
  'CANCELED',
]);

function errorOf(err: unknown): RentalError {
  if (err instanceof ConsoleError) return { code: err.code, message: err.message };
  return { code: 'VAST_ERROR', message: err instanceof Error ? err.message : String(err) };
}

/**
 * The agent's token format (mf_<12 id chars>_<43 secret chars>); minted here, and handed to the agent only over
 * the TLS connection pinned at pairing (the instance's env, which Vast lists, carries a one-time pairing secret).
 */
function mintAgentToken(): string {
  return `mf_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}`;
}

function factsOf(instance: VastInstance): InstanceFacts {
  return {
    vastStatus: instance.actualStatus,
    machineId: instance.machineId,
    gpuName: instance.gpuName,
    numGpus: instance.numGpus,
    dphBase: instance.dphBase,
    storageUsdPerHour: instance.storageTotalCost,
    dphTotal: instance.dphTotal,
  };
}

/** "gpu-rtx-4090-21000042": what the fleet lists the rented agent as. */
export function rentedAgentName(gpuName: string | null, instanceId: number): string {
  const slug = (gpuName ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug ? `gpu-${slug}-${instanceId}` : `gpu-${instanceId}`;
}

function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 1000));
}

export class RentalService {
  readonly repo: RentalsRepository;
  private readonly now: () => Date;
  private readonly timings: RentalTimings;
  private readonly agentSettings: RentedAgentSettings;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private cachedClient: { key: string; client: VastClient } | null = null;
  /** Destroys in flight per rental: a second ask joins the first instead of racing it. */
  private readonly destroying = new Map<string, Promise<{ alreadyGone: boolean }>>();
  private reconciling: Promise<ReconcileReport> | null = null;
  private reconcileLoop: { stop(): Promise<void> } | null = null;
  private idleLoop: { stop(): Promise<void> } | null = null;
  /** When this console first saw the budget spent (in memory: after a restart the grace window starts again). */
  private budgetSpentSinceMs: number | null = null;

  constructor(private readonly deps: RentalServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.repo = new RentalsRepository(deps.db, this.now);
    this.timings = { ...defaultRentalTimings, ...deps.timings };
    this.agentSettings = { ...defaultRentedAgentSettings, ...deps.agent };
    this.sleep = deps.sleep ?? abortableSleep;
  }

  /** Every label this console gives an instance starts with this; instances with other labels are never touched. */
  labelPrefix(): string {
    return `mediafleet-${this.deps.settings.consoleId()}-`;
  }

  /**
   * The client for the key in the vault (VAST_NOT_CONFIGURED without one). Public so the account and offer
   * methods use the same client as renting: one client per key, so its per-endpoint call spacing holds for all.
   */
  async client(): Promise<VastClient> {
    const key = (await this.deps.vault.get(secretNames.cloudApiKey('vast')))?.trim();
    if (!key) throw new VastError('VAST_NOT_CONFIGURED', 'No Vast.ai API key is set: paste one in Settings → GPUs, then try again.');
    if (this.cachedClient?.key !== key) {
      this.cachedClient = { key, client: this.deps.clientFor?.(key) ?? new VastClient({ ...this.deps.clientOptions, apiKey: key }) };
    }
    return this.cachedClient.client;
  }

  // ---------- renting ----------

  /** Starts the rent operation; everything that can be refused before anything is rented is refused here. */
  async rent(rawInput: RentInput): Promise<{ operationId: string }> {
    const input = RentInputSchema.parse(rawInput);
    this.deps.allowRental?.();
    const client = await this.client();
    const image = this.deps.settings.get(consoleSettingKeys.vastGpuImage);
    if (!image) throw new VastError('VAST_IMAGE_NOT_SET', 'No GPU image is set: set the GPU image reference (the image Vast.ai pulls) in Settings → GPUs first.');
    const filters = parseOfferFilters({ ...input.filters, diskGb: input.diskGb });
    const imageLogin = (await this.deps.vault.get(secretNames.vastImageLogin())) ?? undefined;
    const a = this.agentSettings;
    const onstart = renderTemplate(
      readTemplate('vast/onstart.sh'),
      { agentPort: a.port, consoleId: this.deps.settings.consoleId(), idleTimeoutS: a.idleTimeoutS, deadmanS: a.deadmanS, spendCapUsd: a.spendCapUsd },
      'vast/onstart.sh',
    );
    const plan = { offerId: input.offerId, diskGb: input.diskGb, filters, maxAttempts: input.maxAttempts };
    return this.deps.operations.start<RentContext>({
      kind: 'vast-rent',
      title: `Rent a GPU on Vast.ai (offer ${input.offerId})`,
      targetId: null,
      lockKey: null,
      options: plan,
      detail: { offerId: input.offerId, rentalId: null, instanceId: null, agentId: null, agentName: null, attempts: 0 },
      auditDetail: { offerId: input.offerId, diskGb: input.diskGb, maxAttempts: input.maxAttempts },
      failureCode: 'VAST_RENT_FAILED',
      open: async (tools) => ({ context: { tools, client, image, imageLogin, onstart, booted: null } }),
      steps: [
        { id: 'vast.instance', title: 'Rent an instance and wait for its agent', apply: (ctx) => this.rentInstance(ctx, plan) },
        { id: 'vast.register', title: 'Register the agent in the fleet', apply: (ctx) => this.registerBooted(ctx) },
      ],
    });
  }

  private async rentInstance(ctx: RentContext, plan: { offerId: number; diskGb: number; filters: ReturnType<typeof parseOfferFilters>; maxAttempts: number }): Promise<void> {
    const triedOffers = new Set<number>();
    const triedMachines = new Set<number>();
    let candidate: { offerId: number; offer: VastOffer | null } = { offerId: plan.offerId, offer: null };
    let lastError: ConsoleError | null = null;
    for (let attempt = 1; attempt <= plan.maxAttempts; attempt++) {
      if (attempt > 1) {
        const next = await this.nextOffer(ctx, plan.filters, triedOffers, triedMachines);
        if (!next) {
          throw new VastError(
            'VAST_NO_OFFER_LEFT',
            `No other offer matches the filters (tried ${triedOffers.size}); the last try failed: ${lastError?.message ?? 'no reason'}. Nothing is left running. Widen the filters and rent again.`,
          );
        }
        ctx.tools.log(`trying offer ${next.id} instead (${next.numGpus}× ${next.gpuName}, $${next.dphTotal.toFixed(3)}/h)`);
        candidate = { offerId: next.id, offer: next };
      }
      triedOffers.add(candidate.offerId);
      if (candidate.offer) triedMachines.add(candidate.offer.machineId);
      const outcome = await this.attempt(ctx, candidate, attempt, plan);
      if (outcome.kind === 'booted') {
        ctx.booted = outcome.booted;
        return;
      }
      lastError = outcome.error;
      if (outcome.machineId !== null) triedMachines.add(outcome.machineId);
    }
    throw new VastError(
      'VAST_RENT_FAILED',
      `No instance came up in ${plan.maxAttempts} ${plan.maxAttempts === 1 ? 'try' : 'tries'}; the last: ${lastError?.message ?? 'no reason'}. Every instance made was destroyed.`,
    );
  }

  private async nextOffer(ctx: RentContext, filters: ReturnType<typeof parseOfferFilters>, triedOffers: Set<number>, triedMachines: Set<number>): Promise<VastOffer | null> {
    const offers = await ctx.client.searchOffers({ ...filters, minDirectPorts: Math.max(1, filters.minDirectPorts) }, { signal: ctx.tools.signal });
    return offers.find((o) => !triedOffers.has(o.id) && !triedMachines.has(o.machineId)) ?? null;
  }

  /** One create on one offer, and its boot. Any way out but 'booted' leaves no instance behind (or throws). */
  private async attempt(ctx: RentContext, candidate: { offerId: number; offer: VastOffer | null }, attempt: number, plan: { diskGb: number; maxAttempts: number }): Promise<AttemptOutcome> {
    const { tools, client } = ctx;
    // A retry on another offer is a new rental: the budget may have run out since the first.
    this.deps.allowRental?.();
    const rentalId = randomUUID();
    const label = `${this.labelPrefix()}${rentalId}`;
    const token = mintAgentToken();
    const pairingSecret = mintPairingSecret();
    // The secrets first: a row whose instance boots must be able to pair with its agent, even after a crash.
    await this.deps.vault.set(secretNames.vastRentalToken(rentalId), token);
    await this.deps.vault.set(secretNames.vastPairingSecret(rentalId), pairingSecret);
    const offer = candidate.offer;
    this.repo.insertIntent({
      id: rentalId,
      label,
      operationId: tools.operationId,
      attempt,
      offerId: candidate.offerId,
      machineId: offer?.machineId ?? null,
      diskGb: plan.diskGb,
      image: ctx.image,
      gpuName: offer?.gpuName ?? null,
      numGpus: offer?.numGpus ?? null,
      dphBase: offer?.dphBase ?? null,
      storageUsdPerHour: offer ? (offer.storageTotalCost ?? offer.dphTotal - offer.dphBase) : null,
      dphTotal: offer?.dphTotal ?? null,
    });
    tools.setDetail({ rentalId, attempts: attempt, offerId: candidate.offerId });
    tools.log(`creating on offer ${candidate.offerId}${plan.maxAttempts > 1 ? ` (try ${attempt} of ${plan.maxAttempts})` : ''}`);
    this.repo.markCreating(rentalId);
    const created = await this.createOrFind(ctx, rentalId, label, pairingSecret, candidate.offerId, plan.diskGb);
    if (created.kind === 'retry') return created;
    const instanceId = created.instanceId;
    this.repo.markBooting(rentalId, instanceId);
    this.deps.audit.record('vast.instance-created', rentalId, { instanceId, offerId: candidate.offerId, label, readBack: created.readBack });
    tools.setDetail({ instanceId });
    tools.log(created.readBack ? `the create's answer was lost; instance ${instanceId} was found by its label` : `instance ${instanceId} created`);
    // From here an instance exists: every way out but success destroys it.
    try {
      const boot = await this.awaitBoot(ctx, rentalId, instanceId, token);
      if (boot.kind === 'ready') return { kind: 'booted', booted: { rentalId, instance: boot.instance, agentUrl: boot.agentUrl, token, tlsFingerprint: boot.tlsFingerprint } };
      const pairingFailed = boot.code === 'VAST_PAIRING_FAILED';
      tools.log(`${pairingFailed ? 'pairing failed' : 'boot failed'}: ${boot.why}; destroying instance ${instanceId}`);
      const error = pairingFailed
        ? new VastError('VAST_PAIRING_FAILED', `Instance ${instanceId} on offer ${candidate.offerId} could not be paired: ${boot.why}. No token was sent to it.`, { instanceId })
        : new VastError('VAST_BOOT_FAILED', `Instance ${instanceId} on offer ${candidate.offerId} did not boot: ${boot.why}.`, { instanceId });
      // Destroys never run under the operation's signal: a cancel must not leave an instance half-destroyed.
      await this.destroyRental(client, rentalId, pairingFailed ? 'pairing-failed' : 'boot-failed', errorOf(error), AbortSignal.timeout(this.timings.cleanupTimeoutMs));
      tools.log(`instance ${instanceId} destroyed; gone from the listing`);
      return { kind: 'retry', error, machineId: boot.machineId };
    } catch (err) {
      await this.destroyAfterFailure(ctx, rentalId, err);
      throw err;
    }
  }

  /** Sends the create once; an answer lost in flight is looked for by label until the create window ends. */
  private async createOrFind(
    ctx: RentContext,
    rentalId: string,
    label: string,
    pairingSecret: string,
    offerId: number,
    diskGb: number,
  ): Promise<{ kind: 'created'; instanceId: number; readBack: boolean } | (AttemptOutcome & { kind: 'retry' })> {
    const { tools, client } = ctx;
    try {
      const created = await client.createInstance(
        {
          offerId,
          image: ctx.image,
          imageLogin: ctx.imageLogin,
          diskGb,
          // The one-time pairing secret, never the token: Vast lists every env value of an instance.
          env: { ...this.agentSettings.env, MEDIAFLEET_PAIRING_SECRET: pairingSecret, MEDIAFLEET_TLS: 'self-signed' },
          ports: [{ port: this.agentSettings.port }],
          onstart: ctx.onstart,
          label,
        },
        { signal: tools.signal },
      );
      return { kind: 'created', instanceId: created.instanceId, readBack: created.readBack };
    } catch (err) {
      const error = errorOf(err);
      if (err instanceof VastError && err.code === 'VAST_BID_TOO_LOW' && err.details.instanceId !== undefined) {
        // A refused bid left a stopped contract; the client tried to destroy it. Either way the row says so.
        this.repo.markBooting(rentalId, err.details.instanceId);
        if (err.details.destroyed) this.repo.markDestroyed(rentalId, 'bid-refused', error);
        else this.repo.markDestroying(rentalId, 'bid-refused');
        throw err;
      }
      if (err instanceof ConsoleError && refusedCreateCodes.has(err.code)) {
        this.repo.markFailed(rentalId, err.code === 'CANCELED' ? 'canceled' : err.code === 'VAST_OFFER_GONE' ? 'offer-gone' : 'create-refused', error);
        await this.forgetRentalSecrets(rentalId);
        if (err.code === 'VAST_OFFER_GONE') {
          tools.log(`offer ${offerId} is gone (rented by someone else or withdrawn)`);
          return { kind: 'retry', error: err, machineId: null };
        }
        throw err;
      }
      // The create may have reached Vast: the row says so, so the reconcile finds the instance whatever happens next.
      this.repo.markCreateUnknown(rentalId, error);
      tools.log(`the create's answer was lost (${error.message.slice(0, 120)}); looking for label ${label}`);
      const found = await this.findByLabel(ctx, rentalId, label);
      if (found) return { kind: 'created', instanceId: found.id, readBack: true };
      await this.forgetRentalSecrets(rentalId);
      if (tools.signal.aborted) {
        this.repo.markFailed(rentalId, 'canceled', { code: 'CANCELED', message: `Canceled while the create was in flight; no instance with label ${label} was seen. If one appears, the reconcile destroys it.` });
        throw new ConsoleError('CANCELED', 'Renting canceled.');
      }
      const message = `No instance with label ${label} appeared within ${seconds(this.timings.createWindowMs)} s of the create; nothing was rented. If one appears later, the reconcile destroys it.`;
      this.repo.markFailed(rentalId, 'create-unknown', { code: 'VAST_CREATE_OUTCOME_UNKNOWN', message });
      tools.log(message);
      return { kind: 'retry', error: new VastError('VAST_CREATE_OUTCOME_UNKNOWN', message, { label }), machineId: null };
    }
  }

  /**
   * Looks for the instance by its label until the create window has passed since the create was sent. After a
   * cancel it looks once more without the operation's signal: an instance made in that moment is destroyed now.
   */
  private async findByLabel(ctx: RentContext, rentalId: string, label: string): Promise<VastInstance | null> {
    const { tools, client } = ctx;
    const sentAt = Date.parse(this.repo.get(rentalId)?.createSentAt ?? this.now().toISOString());
    for (;;) {
      const canceled = tools.signal.aborted;
      let matching: VastInstance[] | null = null;
      try {
        const signal = canceled ? AbortSignal.timeout(this.timings.cleanupTimeoutMs) : tools.signal;
        matching = (await client.listAllInstances({ filters: { label: { eq: label } }, signal })).filter((i) => i.label === label).sort((x, y) => x.id - y.id);
      } catch (err) {
        if (canceled || !tools.signal.aborted) tools.log(`could not read the instance list (${errorOf(err).message.slice(0, 120)})`);
      }
      if (matching && matching.length > 0) {
        const [first, ...duplicates] = matching;
        // One label, one rental: a second instance under it would be a create sent twice, and is not kept.
        for (const duplicate of duplicates) await this.destroyOrphan(client, duplicate, this.repo.get(rentalId), AbortSignal.timeout(this.timings.cleanupTimeoutMs));
        if (tools.signal.aborted) {
          this.repo.markBooting(rentalId, first.id);
          await this.destroyRental(client, rentalId, 'canceled', null, AbortSignal.timeout(this.timings.cleanupTimeoutMs)).catch((err: unknown) =>
            tools.log(`destroying instance ${first.id} failed (${errorOf(err).message}); the reconcile will destroy it`),
          );
          throw new ConsoleError('CANCELED', 'Renting canceled.');
        }
        return first;
      }
      if (canceled) return null;
      // Canceled during this look: one more, without the signal.
      if (tools.signal.aborted) continue;
      if (this.now().getTime() - sentAt >= this.timings.createWindowMs) return null;
      // A cancel ends the pause early; the next look is then the one without the signal.
      await this.sleep(this.timings.pollMs, tools.signal).catch(() => undefined);
    }
  }

  /** Polls the instance until it runs and its agent answers, or a fatal state, a lost instance or the deadline. */
  private async awaitBoot(ctx: RentContext, rentalId: string, instanceId: number, token: string): Promise<BootOutcome> {
    const { tools, client } = ctx;
    const started = this.now().getTime();
    let runningSince: number | null = null;
    let seen = false;
    let lastWhy = '';
    let lastLogAt = 0;
    let machineId: number | null = null;
    for (;;) {
      const instance = await client.getInstance(instanceId, { signal: tools.signal });
      const at = this.now().getTime();
      let why: string;
      if (!instance) {
        if (seen || at - started > this.timings.createWindowMs) return { kind: 'fatal', why: 'the instance is gone from Vast.ai (destroyed or lost)', machineId };
        why = 'not visible yet';
      } else {
        seen = true;
        machineId = instance.machineId;
        this.repo.recordInstance(rentalId, factsOf(instance));
        const state = bootStateOf(instance);
        if (state.kind === 'fatal') return { kind: 'fatal', why: state.why, machineId };
        const agentUrl = state.kind === 'ready' ? this.agentUrlOf(instance) : null;
        if (state.kind === 'pending') why = state.why;
        else if (!agentUrl) why = 'running, its port is not published yet';
        else {
          runningSince ??= at;
          const probe = await this.reachAgent(rentalId, agentUrl, token, tools.signal);
          if (probe.kind === 'ok') {
            tools.log(`agent paired and answers at ${agentUrl} (${seconds(at - started)} s after the create), its certificate pinned (SHA-256 ${probe.tlsFingerprint.slice(0, 16)}…)`);
            return { kind: 'ready', instance, agentUrl, tlsFingerprint: probe.tlsFingerprint };
          }
          if (probe.kind === 'refused') {
            return probe.pairing
              ? { kind: 'fatal', why: probe.message, machineId, code: 'VAST_PAIRING_FAILED' }
              : { kind: 'fatal', why: `its agent refused this console's token (${probe.message})`, machineId };
          }
          if (at - runningSince > this.timings.agentTimeoutMs) return { kind: 'fatal', why: `its agent did not answer within ${seconds(this.timings.agentTimeoutMs)} s of running (${probe.message})`, machineId };
          why = 'running, waiting for the agent';
        }
      }
      if (at - started > this.timings.bootTimeoutMs) return { kind: 'fatal', why: `it did not boot within ${seconds(this.timings.bootTimeoutMs)} s (still ${why})`, machineId };
      if (why !== lastWhy || at - lastLogAt >= 30_000) {
        tools.log(`booting: ${why} (${seconds(at - started)} s)`);
        lastWhy = why;
        lastLogAt = at;
      }
      await this.sleep(this.timings.pollMs, tools.signal);
    }
  }

  private agentUrlOf(instance: VastInstance): string | null {
    const port = hostPortOf(instance, this.agentSettings.port);
    if (!instance.publicIp || !port) return null;
    const host = instance.publicIp.includes(':') ? `[${instance.publicIp}]` : instance.publicIp;
    // The agent serves HTTPS with its own certificate (pairing mode), checked by its fingerprint, never by a CA.
    return `https://${host}:${port}`;
  }

  /**
   * Pairs with the rental's agent if that is not done yet (the fingerprint is kept on the row the moment the proof
   * matched, before the token is sent), then checks over the pinned connection that the agent takes the token.
   */
  private async reachAgent(rentalId: string, url: string, token: string, signal?: AbortSignal): Promise<AgentProbe> {
    const stored = this.repo.get(rentalId)?.tlsFingerprint ?? null;
    if (stored) {
      const probe = await this.probeAgent(url, token, stored, signal);
      // Token refused over the pinned certificate: a crash came between the proof and the token; pair now.
      if (probe.kind !== 'refused' || probe.pairing) return probe;
    }
    const secret = await this.deps.vault.get(secretNames.vastPairingSecret(rentalId));
    if (!secret) return { kind: 'refused', pairing: true, message: 'the console holds no pairing secret for it' };
    const outcome = await pairRentedAgent({
      baseUrl: url,
      secret,
      token,
      signal: signal ?? new AbortController().signal,
      timeoutMs: this.timings.agentProbeTimeoutMs,
      onVerified: (verified) => {
        if (!stored) this.repo.setTlsFingerprint(rentalId, verified);
      },
    });
    if (outcome.kind === 'not-yet') return outcome;
    if (outcome.kind === 'refused') return { kind: 'refused', pairing: true, message: `${outcome.code}: ${outcome.message}` };
    // Already paired (410) and not with this console's token (checked above when it had a pin): someone else's.
    if (outcome.kind === 'already-paired') return { kind: 'refused', pairing: true, message: `${outcome.message}, but not with this console: someone else holds its token` };
    if (stored && outcome.fingerprint !== stored) return { kind: 'refused', pairing: true, message: `AGENT_CERT_MISMATCH: it now proves a certificate (${outcome.fingerprint}) other than the one it proved before (${stored})` };
    return this.probeAgent(url, token, outcome.fingerprint, signal);
  }

  private async probeAgent(url: string, token: string, tlsFingerprint: string, signal?: AbortSignal): Promise<AgentProbe> {
    const timeout = AbortSignal.timeout(this.timings.agentProbeTimeoutMs);
    try {
      await new AgentHttpClient({ baseUrl: url, token, tlsFingerprint }).info(signal ? AbortSignal.any([signal, timeout]) : timeout);
      return { kind: 'ok', tlsFingerprint };
    } catch (err) {
      if (signal?.aborted) throw new ConsoleError('CANCELED', 'Renting canceled.');
      const { code, message } = errorOf(err);
      // Another certificate than the one it proved: the token was not sent, and this instance is never trusted.
      if (code === 'AGENT_CERT_MISMATCH') return { kind: 'refused', pairing: true, message: `${code}: ${message}` };
      if (code === 'AGENT_UNAUTHORIZED' || code === 'AGENT_FORBIDDEN') return { kind: 'refused', message };
      return { kind: 'not-yet', message: message.slice(0, 200) };
    }
  }

  /** The rental's token and pairing secret out of the vault (the token then lives under the agent's id, or nowhere). */
  private async forgetRentalSecrets(rentalId: string): Promise<void> {
    await this.deps.vault.delete(secretNames.vastRentalToken(rentalId));
    await this.deps.vault.delete(secretNames.vastPairingSecret(rentalId));
  }

  private async registerBooted(ctx: RentContext): Promise<void> {
    const booted = ctx.booted;
    if (!booted) throw new ConsoleError('VAST_RENT_FAILED', 'No instance booted.');
    try {
      const agent = await this.registerAgent(booted.rentalId, booted.instance, booted.agentUrl, booted.token, booted.tlsFingerprint);
      ctx.tools.setDetail({ agentId: agent.id, agentName: agent.name });
      ctx.tools.log(`registered as ${agent.name}`);
    } catch (err) {
      await this.destroyAfterFailure(ctx, booted.rentalId, err);
      throw err;
    }
  }

  private async registerAgent(rentalId: string, instance: VastInstance, agentUrl: string, token: string, tlsFingerprint: string): Promise<AgentSummary> {
    const agent = await this.deps.registration.addRented({ name: rentedAgentName(instance.gpuName, instance.id), url: agentUrl, token, tlsFingerprint });
    this.repo.markRunning(rentalId, { agentId: agent.id, agentName: agent.name, agentUrl });
    // The agent's token now lives under the agent's id (the registration put it there).
    await this.forgetRentalSecrets(rentalId);
    return agent;
  }

  /** A rent that failed or was canceled after its instance existed: destroy it, without the aborted signal. */
  private async destroyAfterFailure(ctx: RentContext, rentalId: string, err: unknown): Promise<void> {
    const rental = this.repo.get(rentalId);
    if (!rental || rental.instanceId === null || rental.state === 'destroyed') return;
    const canceled = ctx.tools.signal.aborted || (err instanceof ConsoleError && err.code === 'CANCELED');
    try {
      await this.destroyRental(ctx.client, rentalId, canceled ? 'canceled' : 'rent-failed', canceled ? null : errorOf(err), AbortSignal.timeout(this.timings.cleanupTimeoutMs));
      ctx.tools.log(`instance ${rental.instanceId} destroyed; gone from the listing`);
    } catch (destroyError) {
      // The row stays 'destroying': the reconcile destroys it again.
      ctx.tools.log(`destroying instance ${rental.instanceId} failed (${errorOf(destroyError).message}); the reconcile will destroy it`);
    }
  }

  // ---------- destroying ----------

  /** Destroys a rental's instance, confirms it gone from the listing, and takes its agent out of the fleet. */
  async destroy(target: { instanceId?: number; rentalId?: string }, reason = 'operator'): Promise<{ destroyed: boolean; alreadyGone: boolean }> {
    const client = await this.client();
    let rental = target.rentalId !== undefined ? this.repo.get(target.rentalId) : this.repo.byInstance(target.instanceId!);
    if (!rental) {
      if (target.instanceId === undefined) throw new VastError('VAST_RENTAL_NOT_FOUND', `No rental ${target.rentalId} in this console.`);
      const instance = await client.getInstance(target.instanceId);
      if (!instance?.label?.startsWith(this.labelPrefix())) {
        throw new VastError('VAST_RENTAL_NOT_FOUND', `Instance ${target.instanceId} is not one this console rented; if it is yours, destroy it on vast.ai.`, { instanceId: target.instanceId });
      }
      // Ours by its label, unknown to the store: an orphan.
      await this.destroyOrphan(client, instance, this.repo.byLabel(instance.label));
      return { destroyed: true, alreadyGone: false };
    }
    const endedBefore = rental.state === 'destroyed' || rental.state === 'failed';
    // A rent still working on it stops first (its cancel destroys what it made), so it boots nothing more.
    if (rental.operationId && this.operationRunning(rental.operationId) && rental.state !== 'running') {
      this.deps.operations.cancel(rental.operationId);
      await this.deps.operations.settled(rental.operationId);
      rental = this.repo.get(rental.id)!;
    }
    if (rental.state === 'destroyed' || (rental.state === 'failed' && rental.instanceId === null)) return { destroyed: true, alreadyGone: endedBefore };
    if (rental.instanceId === null) {
      // No instance recorded (the create's answer was lost): look for it by label before saying none exists.
      const found = (await client.listAllInstances({ filters: { label: { eq: rental.label } } })).find((i) => i.label === rental!.label);
      if (!found) {
        this.repo.markFailed(rental.id, 'operator', { code: 'VAST_NO_INSTANCE', message: 'Destroyed by the operator before any instance appeared; nothing was rented.' });
        return { destroyed: true, alreadyGone: true };
      }
      this.repo.markBooting(rental.id, found.id);
    }
    const { alreadyGone } = await this.destroyRental(client, rental.id, reason, null);
    return { destroyed: true, alreadyGone };
  }

  // ---------- the idle policy ----------

  /** What the policy destroys now: running GPU agents idle too long, or all of them once the budget is spent. */
  async applyIdlePolicy(): Promise<IdleDecision[]> {
    const nowMs = this.now().getTime();
    const allowed = this.deps.spendAllowed?.() ?? true;
    this.budgetSpentSinceMs = allowed ? null : (this.budgetSpentSinceMs ?? nowMs);
    const running = this.repo.listOpen().filter((r) => r.state === 'running' && r.agentId !== null && !this.isBusy(r));
    const activity = running.map((r) => ({ rentalId: r.id, runningSinceMs: Date.parse(r.runningAt ?? r.updatedAt), ...this.agentActivity(r.agentId!) }));
    const settings = this.idleSettingsNow();
    const decisions = idleDecisions(activity, nowMs, settings, this.budgetSpentSinceMs);
    for (const d of decisions) {
      try {
        await this.destroy({ rentalId: d.rentalId }, d.reason);
        this.deps.onIdleDestroyed?.({ ...d, budgetSpent: this.budgetSpentSinceMs !== null, idleMinutes: settings.idleMinutes });
      } catch (err) {
        // Marked destroying with its error: the next pass (or the reconcile) destroys it again.
        (this.deps.onReconcileError ?? ((e) => console.warn(`vast idle policy: ${errorOf(e).message}`)))(err);
      }
    }
    return decisions;
  }

  private idleSettingsNow(): IdlePolicySettings {
    const settings = { ...defaultIdlePolicy, ...this.deps.idle };
    settings.idleMinutes = this.deps.idleMinutesNow?.() ?? settings.idleMinutes;
    return settings;
  }

  /**
   * For the GPU card's countdown: since when a running GPU has had no job, and when the idle policy destroys it
   * if none comes (the policy's next pass after that moment). Null while a job runs on it or it is not running.
   */
  private idleView(r: RentalRecord, idleMinutes: number): { idleSince: string | null; idleDestroyAt: string | null } {
    if (r.state !== 'running' || r.agentId === null) return { idleSince: null, idleDestroyAt: null };
    const activity = this.agentActivity(r.agentId);
    if (activity.busy || this.isBusy(r)) return { idleSince: null, idleDestroyAt: null };
    const since = Math.max(Date.parse(r.runningAt ?? r.updatedAt), activity.lastJobEndedMs ?? 0);
    return { idleSince: new Date(since).toISOString(), idleDestroyAt: new Date(since + idleMinutes * 60_000).toISOString() };
  }

  /** Its agent's jobs from the console's requests: one still running, and when the last one ended. */
  private agentActivity(agentId: string): { busy: boolean; lastJobEndedMs: number | null } {
    const row = this.deps.db
      .prepare('SELECT SUM(ended_at IS NULL) AS open, MAX(ended_at) AS last FROM request_attempts WHERE agent_id = ?')
      .get(agentId) as { open: number | null; last: string | null };
    return { busy: (row.open ?? 0) > 0, lastJobEndedMs: row.last ? Date.parse(row.last) : null };
  }

  private operationRunning(operationId: string): boolean {
    try {
      return this.deps.operations.status(operationId).status === 'running';
    } catch {
      return false;
    }
  }

  /** Destroy → confirm gone → row destroyed, agent out of the fleet, audited. Joins a destroy already in flight. */
  private destroyRental(client: VastClient, rentalId: string, reason: string, error: RentalError | null, signal?: AbortSignal): Promise<{ alreadyGone: boolean }> {
    const inFlight = this.destroying.get(rentalId);
    if (inFlight) return inFlight;
    const run = (async () => {
      const rental = this.repo.get(rentalId);
      if (!rental?.instanceId) throw new VastError('VAST_RENTAL_NOT_FOUND', `Rental ${rentalId} has no instance to destroy.`);
      this.repo.markDestroying(rentalId, reason);
      let alreadyGone: boolean;
      try {
        ({ alreadyGone } = await client.destroyInstance(rental.instanceId, { signal }));
        await this.confirmGone(client, rental.instanceId, rental.label, signal);
      } catch (err) {
        this.repo.recordError(rentalId, errorOf(err));
        throw err;
      }
      this.repo.markDestroyed(rentalId, reason, error);
      await this.releaseRental(rental);
      this.deps.audit.record('vast.instance-destroyed', rentalId, { instanceId: rental.instanceId, label: rental.label, reason, alreadyGone, agentName: rental.agentName });
      return { alreadyGone };
    })().finally(() => this.destroying.delete(rentalId));
    this.destroying.set(rentalId, run);
    return run;
  }

  /** Its agent out of the fleet and its secrets out of the vault, once a rental has ended. */
  private async releaseRental(rental: RentalRecord): Promise<void> {
    if (rental.agentId && this.deps.agents.get(rental.agentId)) await this.deps.registration.remove(rental.agentId);
    await this.forgetRentalSecrets(rental.id);
  }

  /** Destroy is confirmed only when the listing no longer has the instance. */
  private async confirmGone(client: VastClient, instanceId: number, label: string, signal?: AbortSignal): Promise<void> {
    for (const delay of this.timings.confirmGoneDelaysMs) {
      await this.sleep(delay, signal);
      const listed = await client.listAllInstances({ filters: { label: { eq: label } }, signal });
      if (!listed.some((i) => i.id === instanceId)) return;
    }
    throw new VastError(
      'VAST_DESTROY_UNCONFIRMED',
      `Vast.ai accepted destroying instance ${instanceId} but still lists it after ${this.timings.confirmGoneDelaysMs.length} looks; it stays marked "destroying" and the reconcile destroys it again.`,
      { instanceId, label },
    );
  }

  /** An instance with this console's label that no live rental wants: destroyed, confirmed gone, audited. */
  private async destroyOrphan(client: VastClient, instance: VastInstance, rental: RentalRecord | null, signal?: AbortSignal): Promise<void> {
    const { alreadyGone } = await client.destroyInstance(instance.id, { signal });
    await this.confirmGone(client, instance.id, instance.label ?? '', signal);
    const why = rental ? `its rental is ${rental.state}${rental.instanceId !== null && rental.instanceId !== instance.id ? ` with instance ${rental.instanceId}` : ''}` : 'no rental of this console knows it';
    if (rental && rental.instanceId === null && (rental.state === 'failed' || rental.state === 'destroyed')) {
      this.repo.attachInstance(rental.id, instance.id);
      this.repo.markDestroyed(rental.id, 'orphan', { code: 'VAST_ORPHAN_DESTROYED', message: `Instance ${instance.id} appeared after this rental was given up; it was destroyed.` });
    }
    this.deps.audit.record('vast.orphan-destroyed', rental?.id ?? null, { instanceId: instance.id, label: instance.label, why, alreadyGone, vastStatus: instance.actualStatus, gpuName: instance.gpuName }, 'console');
  }

  // ---------- reading ----------

  list(filter: { includeEnded: boolean; limit: number }): RentalView[] {
    const { idleMinutes } = this.idleSettingsNow();
    return this.repo.list(filter).map(
      (r): RentalView => ({
        rentalId: r.id,
        label: r.label,
        operationId: r.operationId,
        attempt: r.attempt,
        offerId: r.offerId,
        instanceId: r.instanceId,
        state: r.state,
        vastStatus: r.vastStatus,
        gpuName: r.gpuName,
        numGpus: r.numGpus,
        diskGb: r.diskGb,
        gpuUsdPerHour: r.dphBase,
        diskUsdPerHour: r.storageUsdPerHour,
        totalUsdPerHour: r.dphTotal,
        agentId: r.agentId,
        agentName: r.agentName,
        createdAt: r.createdAt,
        runningAt: r.runningAt,
        endedAt: r.endedAt,
        endReason: r.endReason,
        lastError: r.lastErrorCode ? { code: r.lastErrorCode, message: r.lastError ?? '' } : null,
        ...this.idleView(r, idleMinutes),
      }),
    );
  }

  // ---------- reconciling ----------

  /** One pass (a pass already running is joined): Vast's listing against the rows; see the module comment. */
  reconcile(): Promise<ReconcileReport> {
    this.reconciling ??= this.reconcileOnce().finally(() => (this.reconciling = null));
    return this.reconciling;
  }

  /**
   * Reconciles now (the console's start: the engine has already marked what a crash left running as interrupted)
   * and then every `intervalMs`, until stopReconcile(). A console without a Vast.ai key passes quietly.
   */
  startReconcile(intervalMs = defaultReconcileIntervalMs): void {
    if (this.reconcileLoop) return;
    this.reconcileLoop = this.startLoop(intervalMs, () => this.reconcile());
    // The idle policy is the same kind of duty: only an operator's console runs it.
    this.idleLoop = this.startLoop(this.deps.idle?.checkEveryMs ?? 30_000, () => this.applyIdlePolicy());
  }

  /** Ends the periodic reconcile and idle policy and waits for a pass in flight. */
  async stopReconcile(): Promise<void> {
    const loops = [this.reconcileLoop, this.idleLoop];
    this.reconcileLoop = null;
    this.idleLoop = null;
    await Promise.all(loops.map((l) => l?.stop()));
  }

  private startLoop(intervalMs: number, run: () => Promise<unknown>): { stop(): Promise<void> } {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let current: Promise<unknown> = Promise.resolve();
    const pass = (): void => {
      current = run()
        .catch((err: unknown) => {
          if (err instanceof VastError && err.code === 'VAST_NOT_CONFIGURED') return;
          (this.deps.onReconcileError ?? ((e) => console.warn(`vast reconcile: ${errorOf(e).message}`)))(err);
        })
        .finally(() => {
          if (stopped) return;
          timer = setTimeout(pass, intervalMs);
          timer.unref();
        });
    };
    pass();
    return {
      stop: async () => {
        stopped = true;
        clearTimeout(timer);
        await current;
      },
    };
  }

  private isBusy(rental: RentalRecord): boolean {
    return this.destroying.has(rental.id) || (rental.operationId !== null && this.operationRunning(rental.operationId));
  }

  private async reconcileOnce(): Promise<ReconcileReport> {
    const client = await this.client();
    const prefix = this.labelPrefix();
    const report: ReconcileReport = { instancesSeen: 0, adopted: [], registered: [], destroyed: [], failed: [], gone: [], pending: [], errors: [] };
    // The whole listing or nothing: no decision is taken on a partial view.
    const ours = (await client.listAllInstances()).filter((i) => i.label?.startsWith(prefix));
    report.instancesSeen = ours.length;
    const matched = new Set<string>();
    for (const instance of ours.sort((a, b) => a.id - b.id)) {
      const rental = this.repo.byLabel(instance.label!);
      if (rental) matched.add(rental.id);
      try {
        await this.reconcileInstance(client, instance, rental, report);
      } catch (err) {
        report.errors.push({ rentalId: rental?.id ?? null, instanceId: instance.id, ...errorOf(err) });
      }
    }
    for (const rental of this.repo.listOpen()) {
      if (matched.has(rental.id)) continue;
      try {
        await this.reconcileMissing(client, rental, report);
      } catch (err) {
        report.errors.push({ rentalId: rental.id, instanceId: rental.instanceId, ...errorOf(err) });
      }
    }
    return report;
  }

  /** An instance carrying this console's label, and the row of that label if there is one. */
  private async reconcileInstance(client: VastClient, instance: VastInstance, rental: RentalRecord | null, report: ReconcileReport): Promise<void> {
    if (rental && this.isBusy(rental)) {
      report.pending.push({ rentalId: rental.id, why: 'an operation or a destroy is working on it' });
      return;
    }
    if (!rental || rental.state === 'destroyed' || rental.state === 'failed' || (rental.instanceId !== null && rental.instanceId !== instance.id)) {
      await this.destroyOrphan(client, instance, rental);
      report.destroyed.push({ rentalId: rental?.id ?? null, instanceId: instance.id, reason: 'orphan' });
      return;
    }
    this.repo.recordInstance(rental.id, factsOf(instance));
    if (rental.instanceId === null) {
      this.repo.markBooting(rental.id, instance.id);
      this.deps.audit.record('vast.instance-adopted', rental.id, { instanceId: instance.id, label: rental.label, wasState: rental.state }, 'console');
      report.adopted.push({ rentalId: rental.id, instanceId: instance.id });
      rental = this.repo.get(rental.id)!;
    }
    if (rental.state === 'destroying') {
      await this.destroyRental(client, rental.id, rental.endReason ?? 'operator', null);
      report.destroyed.push({ rentalId: rental.id, instanceId: instance.id, reason: rental.endReason ?? 'operator' });
      return;
    }
    if (rental.state === 'running') {
      // Taken out of the fleet by hand (agents:remove): nothing uses it any more, and it bills by the second.
      if (rental.agentId && !this.deps.agents.get(rental.agentId)) {
        await this.destroyRental(client, rental.id, 'agent-removed', null);
        report.destroyed.push({ rentalId: rental.id, instanceId: instance.id, reason: 'agent-removed' });
      }
      return;
    }
    await this.advanceBooting(client, rental, instance, report);
  }

  /** A booting rental no operation follows (a crash cut it short): register its agent, or destroy it. */
  private async advanceBooting(client: VastClient, rental: RentalRecord, instance: VastInstance, report: ReconcileReport): Promise<void> {
    const destroy = async (reason: string, message: string): Promise<void> => {
      await this.destroyRental(client, rental.id, reason, { code: reason === 'pairing-failed' ? 'VAST_PAIRING_FAILED' : 'VAST_BOOT_FAILED', message });
      report.destroyed.push({ rentalId: rental.id, instanceId: instance.id, reason });
    };
    const state = bootStateOf(instance);
    if (state.kind === 'fatal') return destroy('boot-failed', `Instance ${instance.id} did not boot: ${state.why}.`);
    const url = state.kind === 'ready' ? this.agentUrlOf(instance) : null;
    let why = state.kind === 'pending' ? `booting: ${state.why}` : 'running, its port is not published yet';
    if (url) {
      const token = await this.deps.vault.get(secretNames.vastRentalToken(rental.id));
      if (!token) return destroy('no-token', `The console holds no token for the agent of instance ${instance.id}, so it can never use it.`);
      const probe = await this.reachAgent(rental.id, url, token, AbortSignal.timeout(this.timings.agentProbeTimeoutMs * 2));
      if (probe.kind === 'refused' && probe.pairing) return destroy('pairing-failed', `The agent of instance ${instance.id} could not be paired (${probe.message}); no token was sent to it.`);
      if (probe.kind === 'refused') return destroy('agent-refused', `The agent of instance ${instance.id} refused this console's token (${probe.message}).`);
      if (probe.kind === 'ok') {
        const agent = await this.registerAgent(rental.id, instance, url, token, probe.tlsFingerprint);
        this.deps.audit.record('vast.rental-completed', rental.id, { instanceId: instance.id, agentName: agent.name }, 'console');
        report.registered.push({ rentalId: rental.id, agentId: agent.id });
        return;
      }
      why = `running, its agent does not answer yet (${probe.message})`;
    }
    const age = this.now().getTime() - Date.parse(rental.instanceSeenAt ?? rental.createdAt);
    if (age > this.timings.bootTimeoutMs + this.timings.agentTimeoutMs) {
      return destroy('boot-timeout', `Instance ${instance.id} was not usable ${seconds(age)} s after it was created (${why}).`);
    }
    report.pending.push({ rentalId: rental.id, why });
  }

  /** A row that may have an instance, which the listing does not show. */
  private async reconcileMissing(client: VastClient, rental: RentalRecord, report: ReconcileReport): Promise<void> {
    if (this.isBusy(rental)) {
      report.pending.push({ rentalId: rental.id, why: 'an operation or a destroy is working on it' });
      return;
    }
    const now = this.now().getTime();
    if (rental.instanceId === null) {
      const since = Date.parse(rental.createSentAt ?? rental.createdAt);
      if (now - since < this.timings.createWindowMs) {
        report.pending.push({ rentalId: rental.id, why: 'inside the create window: its instance may still appear' });
        return;
      }
      const message = `No instance with label ${rental.label} appeared within ${seconds(this.timings.createWindowMs)} s of the ${rental.state === 'intent' ? 'intent (the create was never sent)' : 'create'}; nothing was rented.`;
      this.repo.markFailed(rental.id, rental.state === 'intent' ? 'never-sent' : 'no-instance', { code: 'VAST_NO_INSTANCE', message });
      await this.releaseRental(rental);
      this.deps.audit.record('vast.rental-abandoned', rental.id, { label: rental.label, wasState: rental.state }, 'console');
      report.failed.push({ rentalId: rental.id });
      return;
    }
    // The listing can lag right after a create; ask for the instance itself before concluding it is gone.
    const instance = await client.getInstance(rental.instanceId);
    if (instance) {
      await this.reconcileInstance(client, instance, rental, report);
      return;
    }
    if (rental.state === 'booting' && now - Date.parse(rental.instanceSeenAt ?? rental.createdAt) < this.timings.createWindowMs) {
      report.pending.push({ rentalId: rental.id, why: 'just created: not visible yet' });
      return;
    }
    if (rental.state === 'destroying') {
      this.repo.markDestroyed(rental.id, rental.endReason ?? 'operator', null);
      await this.releaseRental(rental);
      this.deps.audit.record('vast.instance-destroyed', rental.id, { instanceId: rental.instanceId, label: rental.label, reason: rental.endReason ?? 'operator', alreadyGone: true, agentName: rental.agentName }, 'console');
      report.destroyed.push({ rentalId: rental.id, instanceId: rental.instanceId, reason: rental.endReason ?? 'operator' });
      return;
    }
    this.repo.markDestroyed(rental.id, 'gone', {
      code: 'VAST_INSTANCE_GONE',
      message: `Vast.ai no longer has instance ${rental.instanceId}: it was destroyed outside this console (on vast.ai, by its agent's dead-man switch, or by Vast.ai).`,
    });
    await this.releaseRental(rental);
    this.deps.audit.record('vast.instance-gone', rental.id, { instanceId: rental.instanceId, label: rental.label, agentName: rental.agentName, wasState: rental.state }, 'console');
    report.gone.push({ rentalId: rental.id, instanceId: rental.instanceId });
  }
}

