// A local fake of Vast.ai's REST API (a TEST HELPER, never shipped) that behaves like the real service as
// ../shared/specs/vast-api.md describes it: bearer auth, offer search with Vast's filter language and storage
// pricing, create from an offer, the instance lifecycle over a controllable clock, v1 listing with pagination,
// stop/start, destroy, a per-endpoint minimum-interval limiter answering plain-text 429s, a billing clock that
// drains credit, /users/current/ and /charges/, instance-scoped keys, vanished offers, boot failures, lost
// instances, a request log, and seeded fault injection. Instances run what an InstanceRuntime gives them (a
// real agent process with AgentInstanceRuntime).
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock } from './fake-clock.js';
import { FaultInjector, type BootFailure, type FakeEndpoint } from './fake-vast-faults.js';
import { fakeGpuNames, generateMachines, offerView, round, type FakeMachine, type FakeOffer, type OfferType } from './fake-offers.js';
import { compareBy, matchesFilters } from './fake-query.js';
import { NoProcessRuntime, type InstanceRuntime, type RunningContainer } from './instance-runtime.js';
import { SeededRandom } from './seeded-random.js';

/** Minimum seconds between two calls per endpoint and identity (the spec's x-rate-limit thresholds). */
export const fakeRateLimitSeconds: Partial<Record<FakeEndpoint, number>> = { search: 6, create: 4.5, show: 2, list: 1, state: 1, destroy: 3 };
/** Seconds a create that came too early blocks further creates. */
export const fakeCreatePenaltySeconds = 12;

export interface FakeVastOptions {
  port?: number;
  seed?: number;
  /** The account's key; a random one by default. */
  apiKey?: string;
  /** What /users/current/ says the account is (two fakes with different ids are two Vast.ai accounts). */
  account?: { id: number; email: string };
  /** USD. */
  credit?: number;
  machines?: number;
  /** Multiplies every rate-limit interval; 0 turns the limiter off. */
  rateLimitScale?: number;
  /** Clock speed: 1 = real time, 0 = moved only by advance(). */
  clockSpeed?: number;
  /** Clock milliseconds a new instance spends provisioning (status null) and loading. Docs: boot takes 1-5 min. */
  boot?: { provisioningMs: number; loadingMs: number };
  /** Clock milliseconds a restart waits for its GPU ("Scheduling"). */
  schedulingMs?: number;
  /** Clock milliseconds before a new instance shows in GET/list (read-after-create lag). */
  readAfterCreateLagMs?: number;
  /** The first GET of each new instance answers {"instances":null}. */
  firstGetAfterCreateNull?: boolean;
  /** A new instance is left out of this many GET/list answers (read-after-create lag counted in reads). */
  readAfterCreateLagReads?: number;
  runtime?: InstanceRuntime;
  /** Real milliseconds between background ticks (lifecycle and billing move without requests too). */
  tickMs?: number;
}

type Phase = 'provisioning' | 'loading' | 'starting' | 'running' | 'scheduling' | 'stopped' | 'failed' | 'offline';

export interface FakeInstance {
  id: number;
  offerId: number;
  machine: FakeMachine;
  instanceApiKey: string;
  label: string | null;
  image: string;
  env: Record<string, string>;
  containerPorts: string[];
  onstart: string | null;
  args: string[] | null;
  runtype: string;
  diskGb: number;
  isBid: boolean;
  bidPrice: number | null;
  createdAtMs: number;
  visibleAtMs: number;
  hideFirstGet: boolean;
  hiddenReads: number;
  phase: Phase;
  phaseEndsAtMs: number | null;
  bootFailure: BootFailure | null;
  actualStatus: string | null;
  intendedStatus: string;
  curState: string;
  nextState: string;
  statusMsg: string | null;
  container: RunningContainer | null;
  hostPorts: Record<string, number> | null;
  startDateS: number;
  /** USD billed so far, by part, and per day (Unix day start in seconds). */
  gpuUsd: number;
  diskUsd: number;
  days: Map<number, { gpu: number; disk: number }>;
  billedUntilMs: number;
  destroyedAtMs: number | null;
}

export interface RequestLogEntry {
  seq: number;
  clockMs: number;
  method: string;
  path: string;
  endpoint: FakeEndpoint;
  identity: string;
  status: number;
  /** What was injected, if anything: "429", "503", "create-timeout", ... */
  fault?: string;
  body?: unknown;
}

export class RequestLog {
  readonly entries: RequestLogEntry[] = [];

  count(filter: Partial<Pick<RequestLogEntry, 'method' | 'endpoint' | 'status' | 'identity'>> = {}): number {
    return this.entries.filter((e) => Object.entries(filter).every(([k, v]) => e[k as keyof RequestLogEntry] === v)).length;
  }

  clear(): void {
    this.entries.length = 0;
  }
}

const ociError =
  'Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error running hook #0: nvidia-container-cli: initialization error: nvml error: driver/library version mismatch: unknown';

/** Columns the v1 listing can filter and sort on (stored ones; computed ones such as dph_total are refused). */
const storedColumns = new Set(['id', 'actual_status', 'intended_status', 'cur_state', 'next_state', 'label', 'gpu_name', 'num_gpus', 'machine_id', 'host_id', 'verification', 'image_uuid', 'start_date', 'geolocation', 'is_bid']);

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly contentType = 'application/json',
  ) {}
}

function fail(status: number, error: string | undefined, msg: string, shape: 'full' | 'no-success' | 'message' = 'full'): HttpAnswer {
  if (shape === 'message') return new HttpAnswer(status, { error, message: msg });
  if (shape === 'no-success') return new HttpAnswer(status, { error, msg });
  return new HttpAnswer(status, { success: false, error, msg });
}

function dayStartSeconds(ms: number): number {
  return Math.floor(ms / 86_400_000) * 86_400;
}

export class FakeVast {
  readonly clock: FakeClock;
  readonly random: SeededRandom;
  readonly faults: FaultInjector;
  readonly log = new RequestLog();
  readonly apiKey: string;
  credit: number;
  readonly offers = new Map<number, FakeOffer>();
  readonly instances = new Map<number, FakeInstance>();
  url = '';
  private readonly server: http.Server;
  private readonly runtime: InstanceRuntime;
  private readonly limiterLast = new Map<string, number>();
  private readonly createPenaltyUntil = new Map<string, number>();
  private nextOfferId: number;
  private nextInstanceId: number;
  private seq = 0;
  private tick: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly heldSockets = new Set<import('node:net').Socket>();
  private lastProcessedMs: number;

  constructor(private readonly options: FakeVastOptions = {}) {
    this.random = new SeededRandom(options.seed ?? 1);
    this.faults = new FaultInjector(new SeededRandom((options.seed ?? 1) * 7919 + 13));
    this.clock = new FakeClock(options.clockSpeed ?? 1);
    this.apiKey = options.apiKey ?? `fakevast_${crypto.randomBytes(24).toString('hex')}`;
    this.credit = options.credit ?? 25;
    this.runtime = options.runtime ?? new NoProcessRuntime();
    this.nextOfferId = 7_000_000 + this.random.int(0, 99_999);
    this.nextInstanceId = 21_000_000 + this.random.int(0, 99_999);
    for (const machine of generateMachines(this.random, options.machines ?? 40)) this.listOffer(machine);
    this.lastProcessedMs = this.clock.now();
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.tick = setInterval(() => this.process(), this.options.tickMs ?? 100);
    this.tick.unref();
    return this;
  }

  async close(): Promise<void> {
    clearInterval(this.tick);
    for (const s of this.heldSockets) s.destroy();
    await this.settle();
    await Promise.all([...this.instances.values()].map((i) => this.stopContainer(i)));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Moves the clock and lets the lifecycle and billing catch up (container starts included). */
  async advance(ms: number): Promise<void> {
    this.clock.advanceBy(ms);
    this.process();
    await this.settle();
    this.process();
  }

  /** Waits for container starts and stops in flight. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Someone else rents the offer: it leaves the search, and creating from it answers no_such_ask. */
  vanishOffer(offerId: number): void {
    const offer = this.offers.get(offerId);
    if (offer) offer.rented = true;
  }

  /** The host disconnects: the instance goes offline, its ports stop answering and its processes freeze. */
  loseInstance(id: number): void {
    const instance = this.instances.get(id);
    if (!instance || instance.destroyedAtMs !== null) throw new Error(`no live instance ${id}`);
    this.settleBilling(instance, this.clock.now());
    instance.phase = 'offline';
    instance.actualStatus = 'offline';
    instance.statusMsg = null;
    instance.container?.pause();
  }

  setCredit(usd: number): void {
    this.credit = usd;
  }

  liveInstances(): FakeInstance[] {
    return [...this.instances.values()].filter((i) => i.destroyedAtMs === null);
  }

  private listOffer(machine: FakeMachine): FakeOffer {
    const offer: FakeOffer = { id: this.nextOfferId++, machine, rented: false };
    this.offers.set(offer.id, offer);
    return offer;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => {});
    return p;
  }

  // ---------- lifecycle and billing ----------

  /** Brings every instance's lifecycle and bill up to the clock. */
  process(): void {
    const now = this.clock.now();
    // Bill in steps of at most a clock second, so credit running out stops instances close to the right moment.
    let from = this.lastProcessedMs;
    while (from < now) {
      const to = Math.min(now, from + 1000);
      for (const instance of this.liveInstances()) this.advanceLifecycle(instance, to);
      this.billAll(to);
      from = to;
    }
    this.lastProcessedMs = Math.max(this.lastProcessedMs, now);
    for (const instance of this.liveInstances()) this.advanceLifecycle(instance, now);
  }

  private advanceLifecycle(instance: FakeInstance, now: number): void {
    while (instance.phaseEndsAtMs !== null && instance.phaseEndsAtMs <= now) {
      const at = instance.phaseEndsAtMs;
      this.settleBilling(instance, at);
      instance.phaseEndsAtMs = null;
      if (instance.phase === 'provisioning' || instance.phase === 'scheduling') {
        instance.phase = 'loading';
        instance.actualStatus = 'loading';
        instance.statusMsg = `Pulling ${instance.image}`;
        if (instance.bootFailure !== 'stuck_loading') instance.phaseEndsAtMs = at + (this.options.boot?.loadingMs ?? 60_000);
      } else if (instance.phase === 'loading') {
        this.finishLoading(instance);
      }
    }
  }

  private finishLoading(instance: FakeInstance): void {
    const failure = instance.bootFailure;
    if (failure === 'exited') return this.failBoot(instance, 'exited', 'Error: container exited with code 1 before its on-start script ran');
    if (failure === 'unknown') return this.failBoot(instance, 'unknown', null);
    if (failure === 'offline') return this.failBoot(instance, 'offline', null, 'offline');
    if (failure === 'oci_error') return this.failBoot(instance, 'created', ociError);
    instance.phase = 'starting';
    const started = this.runtime.start({
      instanceId: instance.id,
      label: instance.label,
      image: instance.image,
      env: instance.env,
      containerPorts: instance.containerPorts,
      onstart: instance.onstart,
      args: instance.args,
      runtype: instance.runtype,
      instanceApiKey: instance.instanceApiKey,
      numGpus: instance.machine.num_gpus,
      vastUrl: this.url,
    });
    void this.track(
      started.then(
        (container) => {
          if (instance.destroyedAtMs !== null || instance.phase !== 'starting') {
            void this.track(container.stop());
            return;
          }
          this.settleBilling(instance, this.clock.now());
          instance.container = container;
          instance.hostPorts = container.hostPorts;
          instance.phase = 'running';
          instance.actualStatus = 'running';
          instance.statusMsg = `success, running ${instance.image}/${instance.runtype}`;
          container.onExit((reason) => {
            if (instance.container !== container || instance.phase !== 'running') return;
            this.settleBilling(instance, this.clock.now());
            instance.container = null;
            instance.hostPorts = null;
            instance.phase = 'failed';
            instance.actualStatus = 'exited';
            instance.statusMsg = reason.slice(0, 500);
          });
        },
        (err: Error) => {
          if (instance.destroyedAtMs !== null) return;
          this.failBoot(instance, 'exited', `Error: ${err.message}`.slice(0, 500));
        },
      ),
    );
  }

  private failBoot(instance: FakeInstance, actualStatus: string, statusMsg: string | null, phase: Phase = 'failed'): void {
    instance.phase = phase;
    instance.actualStatus = actualStatus;
    instance.statusMsg = statusMsg;
  }

  /** $/h the instance is billed at in its phase: GPU while running, disk in every phase but provisioning/offline. */
  private ratesOf(instance: FakeInstance): { gpu: number; disk: number } {
    const disk = (instance.diskGb * instance.machine.storage_cost) / 720;
    const gpuRate = instance.isBid ? (instance.bidPrice ?? instance.machine.min_bid) : instance.machine.dph_base;
    switch (instance.phase) {
      case 'running':
        return { gpu: gpuRate, disk };
      case 'provisioning':
      case 'offline':
        return { gpu: 0, disk: 0 };
      default:
        return { gpu: 0, disk };
    }
  }

  private settleBilling(instance: FakeInstance, untilMs: number): void {
    if (untilMs <= instance.billedUntilMs) return;
    const hours = (untilMs - instance.billedUntilMs) / 3_600_000;
    const rates = this.credit > 0 ? this.ratesOf(instance) : { gpu: 0, disk: 0 };
    const gpu = rates.gpu * hours;
    const disk = rates.disk * hours;
    instance.gpuUsd += gpu;
    instance.diskUsd += disk;
    const day = dayStartSeconds(instance.billedUntilMs);
    const bucket = instance.days.get(day) ?? { gpu: 0, disk: 0 };
    bucket.gpu += gpu;
    bucket.disk += disk;
    instance.days.set(day, bucket);
    this.credit -= gpu + disk;
    instance.billedUntilMs = untilMs;
  }

  private billAll(untilMs: number): void {
    for (const instance of this.liveInstances()) this.settleBilling(instance, untilMs);
    if (this.credit <= 0) {
      this.credit = 0;
      // Out of credit: Vast stops the instances (and schedules them for deletion later).
      for (const instance of this.liveInstances()) {
        if (instance.intendedStatus !== 'running') continue;
        this.stopInstance(instance, 'stopped: the account ran out of credit');
      }
    }
  }

  private stopInstance(instance: FakeInstance, statusMsg: string): void {
    this.settleBilling(instance, this.clock.now());
    instance.phase = 'stopped';
    instance.phaseEndsAtMs = null;
    instance.actualStatus = 'exited';
    instance.intendedStatus = 'stopped';
    instance.curState = 'stopped';
    instance.nextState = 'stopped';
    instance.statusMsg = statusMsg;
    void this.track(this.stopContainer(instance));
  }

  private async stopContainer(instance: FakeInstance): Promise<void> {
    const container = instance.container;
    instance.container = null;
    instance.hostPorts = null;
    if (container) await container.stop();
  }

  // ---------- HTTP ----------

  private endpointOf(method: string, path: string): FakeEndpoint {
    if (path === '/api/v0/gpu_names/unique/' || path === '/api/v0/gpu_types/') return 'anonymous';
    if (path === '/api/v0/bundles/' || path === '/api/v0/search/asks/') return 'search';
    if (/^\/api\/v0\/asks\/\d+\/$/.test(path)) return 'create';
    if (path === '/api/v1/instances/') return 'list';
    if (/^\/api\/v0\/instances\/\d+\/$/.test(path)) return method === 'GET' ? 'show' : method === 'PUT' ? 'state' : method === 'DELETE' ? 'destroy' : 'other';
    if (path === '/api/v0/users/current/') return 'account';
    if (path === '/api/v0/charges/') return 'charges';
    return 'other';
  }

  private identityOf(req: http.IncomingMessage, url: URL): { kind: 'account' } | { kind: 'instance'; instance: FakeInstance } | { kind: 'anonymous' } | { kind: 'bad' } {
    const header = req.headers.authorization;
    const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : (url.searchParams.get('api_key') ?? undefined);
    if (!key) return { kind: 'anonymous' };
    if (key === this.apiKey) return { kind: 'account' };
    for (const instance of this.instances.values()) {
      if (instance.instanceApiKey === key && instance.destroyedAtMs === null) return { kind: 'instance', instance };
    }
    return { kind: 'bad' };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    const method = req.method ?? 'GET';
    const endpoint = this.endpointOf(method, path);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    this.process();
    const identity = this.identityOf(req, url);
    const entry: RequestLogEntry = {
      seq: ++this.seq,
      clockMs: this.clock.now(),
      method,
      path,
      endpoint,
      identity: identity.kind === 'instance' ? `instance:${identity.instance.id}` : identity.kind,
      status: 0,
      body,
    };
    this.log.entries.push(entry);
    const send = (answer: HttpAnswer): void => {
      entry.status = answer.status;
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'content-type': answer.contentType, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };

    // Faults a gateway or the limiter would produce come before the request is looked at.
    const injected = this.faults.requestFault(endpoint);
    if (injected?.kind === 'rate-limit') {
      entry.fault = '429';
      const { contentType, body: text } = this.faults.rateLimitBody(fakeRateLimitSeconds[endpoint] ?? 1);
      return send(new HttpAnswer(429, text, contentType));
    }
    if (injected?.kind === 'server-error') {
      entry.fault = String(injected.status);
      return send(new HttpAnswer(injected.status, injected.status === 502 ? '<html><body><h1>502 Bad Gateway</h1></body></html>' : { success: false, error: 'server_error', msg: 'Internal error, please try again' }, injected.status === 502 ? 'text/html' : 'application/json'));
    }
    const limited = this.rateLimited(endpoint, identity.kind === 'instance' ? `i${identity.instance.id}` : identity.kind === 'account' ? 'account' : (req.socket.remoteAddress ?? 'anon'));
    if (limited) {
      entry.fault = 'limiter';
      return send(new HttpAnswer(429, limited, 'text/plain'));
    }

    if (identity.kind === 'bad') return send(fail(401, 'auth_error', 'Invalid user key'));
    if (identity.kind === 'anonymous' && endpoint !== 'anonymous' && endpoint !== 'search') return send(fail(401, 'auth_error', 'Please log in or sign up'));
    if (identity.kind === 'instance') {
      const own = new RegExp(`^/api/v0/instances/${identity.instance.id}/$`).test(path);
      if (!own) {
        if (/^\/api\/v0\/instances\/\d+\/$/.test(path)) return send(fail(403, 'forbidden', `This API key may only act on instance ${identity.instance.id}`, 'message'));
        return send(fail(401, 'auth_error', 'Invalid user key'));
      }
    }

    try {
      if (endpoint === 'create') return await this.create(Number(path.split('/')[4]), body, send, req);
      send(this.route(method, path, url, body));
    } catch (err) {
      send(fail(500, 'server_error', `fake-vast internal error: ${(err as Error).message}`));
    }
  }

  /** The limiter's answer when the call came too early (plain text, no Retry-After), else null. */
  private rateLimited(endpoint: FakeEndpoint, who: string): string | null {
    const scale = this.options.rateLimitScale ?? 1;
    const seconds = fakeRateLimitSeconds[endpoint];
    if (!seconds || scale <= 0) return null;
    const key = `${who}|${endpoint}`;
    const now = performance.now();
    const penaltyUntil = this.createPenaltyUntil.get(who) ?? 0;
    if (endpoint === 'create' && now < penaltyUntil) return `API requests too frequent endpoint threshold=${seconds}`;
    const last = this.limiterLast.get(key);
    if (last !== undefined && now - last < seconds * 1000 * scale) {
      if (endpoint === 'create') this.createPenaltyUntil.set(who, now + fakeCreatePenaltySeconds * 1000 * scale);
      return 'API requests too frequent';
    }
    this.limiterLast.set(key, now);
    return null;
  }

  private route(method: string, path: string, url: URL, body: unknown): HttpAnswer {
    if (method === 'GET' && path === '/api/v0/gpu_names/unique/') return new HttpAnswer(200, { gpu_names: fakeGpuNames });
    if (method === 'GET' && path === '/api/v0/gpu_types/') return new HttpAnswer(200, { gpu_types: fakeGpuNames.map((name) => ({ name, gpu_ram: null })) });
    if (method === 'POST' && path === '/api/v0/bundles/') return this.search(body);
    if (method === 'PUT' && path === '/api/v0/search/asks/') return this.search((body as { q?: unknown } | undefined)?.q);
    if (method === 'GET' && path === '/api/v0/instances/') return fail(410, 'deprecated_endpoint', 'This endpoint is deprecated; use /api/v1/instances/', 'no-success');
    if (method === 'GET' && path === '/api/v0/instances/filters/') return this.instanceFilters();
    if (method === 'GET' && path === '/api/v1/instances/') return this.list(url);
    const instancePath = /^\/api\/v0\/instances\/(\d+)\/$/.exec(path);
    if (instancePath) {
      const id = Number(instancePath[1]);
      if (method === 'GET') return this.show(id);
      if (method === 'PUT') return this.changeState(id, body);
      if (method === 'DELETE') return this.destroy(id);
    }
    if (method === 'GET' && path === '/api/v0/users/current/') return this.account();
    if (method === 'GET' && path === '/api/v0/charges/') return this.charges(url);
    return new HttpAnswer(404, 'Not Found', 'text/plain');
  }

  private search(query: unknown): HttpAnswer {
    if (query !== undefined && (typeof query !== 'object' || query === null || Array.isArray(query))) return fail(400, 'invalid_args', 'query must be a JSON object');
    const q = { ...((query ?? {}) as Record<string, unknown>) };
    const typeRaw = q.type ?? 'on-demand';
    const type: OfferType | undefined = typeRaw === 'on-demand' || typeRaw === 'ondemand' ? 'on-demand' : typeRaw === 'bid' || typeRaw === 'interruptible' ? 'bid' : typeRaw === 'reserved' ? 'reserved' : undefined;
    if (!type) return fail(400, 'invalid_args', `unknown offer type ${JSON.stringify(typeRaw)}`);
    const storage = Number(q.allocated_storage ?? 5);
    if (!Number.isFinite(storage) || storage < 0) return fail(400, 'invalid_args', 'allocated_storage must be a number of GB');
    const limit = Math.min(1000, Math.max(1, Number(q.limit ?? 64) || 64));
    const order = (Array.isArray(q.order) ? q.order : [['score', 'desc']]) as Array<[string, string]>;
    for (const key of ['order', 'type', 'limit', 'allocated_storage', 'disable_bundling', 'extra_ids']) delete q[key];
    let rows: Array<Record<string, unknown>>;
    try {
      rows = [...this.offers.values()]
        .filter((o) => !o.rented)
        .map((o) => offerView(o, storage, type))
        .filter((row) => matchesFilters(row, q));
    } catch (err) {
      return fail(400, 'invalid_args', (err as Error).message);
    }
    rows.sort(compareBy(order));
    return new HttpAnswer(200, { offers: rows.slice(0, limit) });
  }

  private async create(offerId: number, body: unknown, send: (a: HttpAnswer) => void, req: http.IncomingMessage): Promise<void> {
    const b = (body ?? {}) as Record<string, unknown>;
    const offer = this.offers.get(offerId);
    if (offer && !offer.rented && this.faults.offerVanishes()) offer.rented = true;
    if (!offer || offer.rented) return send(fail(404, 'no_such_ask', `Instance type by id ${offerId} is not available.`));
    const problem = this.validateCreate(b, offer);
    if (problem) return send(problem);
    if (this.credit <= 0) return send(fail(400, 'missing_billing', 'Your account lacks credit; add credit to continue.'));

    const fault = this.faults.createFault();
    if (fault && !fault.performed) return this.answerCreateFault(fault.mode, send, req);

    const instance = this.newInstance(offer, b);
    const price = b.price == null ? null : Number(b.price);
    if (price !== null && price < offer.machine.min_bid) {
      // Vast creates the contract stopped and says it did not start it.
      this.stopInstance(instance, 'bid below minimum');
      if (fault) return this.answerCreateFault(fault.mode, send, req);
      return send(new HttpAnswer(200, { success: false, new_contract: instance.id, error: 'invalid_price', msg: `bid price ${price} below minimum ${offer.machine.min_bid}` }));
    }
    if (fault) return this.answerCreateFault(fault.mode, send, req);
    send(new HttpAnswer(200, { success: true, new_contract: instance.id, instance_api_key: instance.instanceApiKey }));
  }

  private answerCreateFault(mode: 'timeout' | 'reset' | number, send: (a: HttpAnswer) => void, req: http.IncomingMessage): void {
    const entry = this.log.entries[this.log.entries.length - 1];
    entry.fault = `create-${mode}`;
    if (mode === 'reset') {
      entry.status = -1;
      req.socket.destroy();
      return;
    }
    if (mode === 'timeout') {
      entry.status = -1;
      const socket = req.socket;
      this.heldSockets.add(socket);
      const timer = setTimeout(() => socket.destroy(), this.faults.createTimeoutHoldMs);
      timer.unref();
      socket.once('close', () => {
        clearTimeout(timer);
        this.heldSockets.delete(socket);
      });
      return;
    }
    send(new HttpAnswer(mode, mode === 502 ? '<html><body><h1>502 Bad Gateway</h1></body></html>' : { success: false, error: 'server_error', msg: 'Internal error' }, mode === 502 ? 'text/html' : 'application/json'));
  }

  private validateCreate(b: Record<string, unknown>, offer: FakeOffer): HttpAnswer | null {
    if (typeof b.image !== 'string' || !b.image.trim()) return fail(400, 'invalid_args', 'image is required');
    const disk = Number(b.disk ?? 10);
    if (!Number.isFinite(disk) || disk < 8) return fail(400, 'invalid_args', 'disk must be at least 8 GB');
    if (disk > offer.machine.disk_space) return fail(400, 'invalid_args', `disk ${disk} GB exceeds the ${offer.machine.disk_space} GB this machine offers`);
    if (b.label != null && (typeof b.label !== 'string' || b.label.length > 256)) return fail(400, 'label_too_long', 'label must be at most 256 characters');
    const env = this.parseEnv(b.env);
    if (typeof env === 'string') return fail(400, 'invalid_args', env);
    let total = 0;
    let ports = 0;
    for (const [k, v] of Object.entries(env)) {
      if (v.length > 256) return fail(400, 'invalid_args', `env value of ${k} exceeds 256 characters`);
      total += k.length + v.length;
      if (k.startsWith('-p ')) ports++;
    }
    if (total > 32 * 1024) return fail(400, 'invalid_args', 'env exceeds 32 KB');
    if (ports > 64) return fail(400, 'invalid_args', 'at most 64 port mappings');
    const onstartLength = (typeof b.onstart === 'string' ? b.onstart.length : 0) + (Array.isArray(b.args) ? b.args.join('').length : typeof b.args_str === 'string' ? b.args_str.length : 0);
    if (onstartLength > 4096) return fail(400, 'invalid_args', 'onstart and args exceed 4096 characters');
    if (b.price != null && !(Number(b.price) > 0)) return fail(400, 'invalid_price', 'price must be a positive number of $/h');
    return null;
  }

  /** env is an object (the guide), or a docker-options string ("-e A=1 -p 8000:8000") as older clients send it. */
  private parseEnv(env: unknown): Record<string, string> | string {
    if (env == null) return {};
    if (typeof env === 'string') {
      const out: Record<string, string> = {};
      const tokens = env.trim().split(/\s+/).filter(Boolean);
      for (let i = 0; i < tokens.length; i++) {
        if (tokens[i] === '-e' && tokens[i + 1]?.includes('=')) {
          const [k, ...v] = tokens[++i].split('=');
          out[k] = v.join('=');
        } else if (tokens[i] === '-p' && tokens[i + 1]) out[`-p ${tokens[++i]}`] = '1';
      }
      return out;
    }
    if (typeof env !== 'object' || Array.isArray(env)) return 'env must be an object';
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(env as Record<string, unknown>)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return `env value of ${k} must be a string`;
      out[k] = String(v);
    }
    return out;
  }

  private newInstance(offer: FakeOffer, b: Record<string, unknown>): FakeInstance {
    offer.rented = true;
    const env = this.parseEnv(b.env) as Record<string, string>;
    const containerPorts: string[] = [];
    const imageEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
      const port = /^-p\s+(?:\d+:)?(\d+)(\/(tcp|udp))?$/.exec(k);
      if (port) containerPorts.push(`${port[1]}/${port[3] ?? 'tcp'}`);
      else if (!k.startsWith('-')) imageEnv[k] = v;
    }
    const runtype = typeof b.runtype === 'string' ? b.runtype : Array.isArray(b.args) || b.args_str ? 'args' : 'ssh';
    if (/ssh/.test(runtype) && !containerPorts.includes('22/tcp')) containerPorts.push('22/tcp');
    const now = this.clock.now();
    const lag = this.options.readAfterCreateLagMs ?? 0;
    const instance: FakeInstance = {
      id: this.nextInstanceId++,
      offerId: offer.id,
      machine: offer.machine,
      instanceApiKey: crypto.randomBytes(32).toString('hex'),
      label: typeof b.label === 'string' ? b.label : null,
      image: String(b.image),
      env: imageEnv,
      containerPorts,
      onstart: typeof b.onstart === 'string' ? b.onstart : null,
      args: Array.isArray(b.args) ? b.args.map(String) : null,
      runtype,
      diskGb: Number(b.disk ?? 10),
      isBid: b.price != null,
      bidPrice: b.price == null ? null : Number(b.price),
      createdAtMs: now,
      visibleAtMs: now + lag,
      hideFirstGet: this.options.firstGetAfterCreateNull ?? false,
      hiddenReads: this.options.readAfterCreateLagReads ?? 0,
      phase: 'provisioning',
      phaseEndsAtMs: now + (this.options.boot?.provisioningMs ?? 10_000),
      bootFailure: this.faults.bootFailure() ?? null,
      actualStatus: null,
      intendedStatus: 'running',
      curState: 'running',
      nextState: 'running',
      statusMsg: null,
      container: null,
      hostPorts: null,
      startDateS: now / 1000,
      gpuUsd: 0,
      diskUsd: 0,
      days: new Map(),
      billedUntilMs: now,
      destroyedAtMs: null,
    };
    this.instances.set(instance.id, instance);
    return instance;
  }

  private visible(instance: FakeInstance): boolean {
    return instance.destroyedAtMs === null && this.clock.now() >= instance.visibleAtMs;
  }

  /** The instance as Vast's GET and list answer it. */
  instanceView(instance: FakeInstance): Record<string, unknown> {
    const m = instance.machine;
    const storageTotal = (instance.diskGb * m.storage_cost) / 720;
    const gpuRate = instance.isBid ? (instance.bidPrice ?? m.min_bid) : m.dph_base;
    const running = instance.phase === 'running' && instance.hostPorts;
    const now = this.clock.now();
    const ports: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const [containerPort, hostPort] of Object.entries(instance.hostPorts ?? {})) {
      ports[containerPort] = [
        { HostIp: '0.0.0.0', HostPort: String(hostPort) },
        { HostIp: '::', HostPort: String(hostPort) },
      ];
    }
    const extraEnv = Object.entries(instance.env).map(([k, v]) => [k, v]);
    const sshPort = 20_000 + (instance.id % 40_000);
    return {
      id: instance.id,
      machine_id: m.machine_id,
      host_id: m.host_id,
      bundle_id: instance.offerId,
      actual_status: instance.actualStatus,
      intended_status: instance.intendedStatus,
      cur_state: instance.curState,
      next_state: instance.nextState,
      status_msg: instance.statusMsg,
      label: instance.label,
      image_uuid: instance.image,
      image_runtype: instance.runtype,
      image_args: instance.args ?? [],
      onstart: instance.onstart,
      extra_env: extraEnv,
      num_gpus: m.num_gpus,
      gpu_name: m.gpu_name,
      gpu_ram: m.gpu_ram,
      gpu_totalram: m.gpu_ram * m.num_gpus,
      gpu_util: running ? 0 : null,
      gpu_temp: running ? 41 : null,
      cpu_name: m.cpu_name,
      cpu_cores: m.cpu_cores,
      cpu_cores_effective: m.cpu_cores_effective,
      cpu_ram: m.cpu_ram,
      cpu_util: running ? 0.02 : null,
      disk_space: instance.diskGb,
      disk_usage: running ? 1.2 : null,
      disk_util: running ? round(1.2 / instance.diskGb, 4) : null,
      dph_base: gpuRate,
      dph_total: gpuRate + storageTotal,
      storage_cost: m.storage_cost,
      storage_total_cost: storageTotal,
      inet_up: m.inet_up,
      inet_down: m.inet_down,
      inet_up_cost: m.inet_up_cost,
      inet_down_cost: m.inet_down_cost,
      min_bid: m.min_bid,
      is_bid: instance.isBid,
      reliability2: m.reliability,
      verification: m.verification,
      geolocation: m.geolocation,
      cuda_max_good: m.cuda_max_good,
      driver_version: m.driver_version,
      direct_port_count: m.direct_port_count,
      start_date: instance.startDateS,
      uptime_mins: running ? round((now - instance.createdAtMs) / 60_000, 2) : null,
      duration: m.duration,
      public_ipaddr: running ? '127.0.0.1\n' : null,
      ports: running ? ports : null,
      ssh_host: running ? `ssh${(instance.id % 9) + 1}.fake-vast.invalid` : null,
      ssh_port: running ? sshPort : null,
      ssh_idx: running ? String((instance.id % 9) + 1) : null,
      machine_dir_ssh_port: running ? sshPort + 1 : null,
      template_id: null,
      template_name: null,
      volume_info: null,
      time_remaining: '',
      instance: { gpuCostPerHour: running ? gpuRate : 0, diskHour: storageTotal, totalHour: (running ? gpuRate : 0) + storageTotal },
    };
  }

  private show(id: number): HttpAnswer {
    const instance = this.instances.get(id);
    if (!instance || !this.visible(instance)) return new HttpAnswer(200, { instances: null });
    if (instance.hiddenReads > 0) {
      instance.hiddenReads--;
      return new HttpAnswer(200, { instances: null });
    }
    if (instance.hideFirstGet) {
      instance.hideFirstGet = false;
      return new HttpAnswer(200, { instances: null });
    }
    return new HttpAnswer(200, { instances: this.instanceView(instance) });
  }

  private jsonParam(url: URL, name: string): { ok: true; value: unknown } | { ok: false; answer: HttpAnswer } {
    const raw = url.searchParams.get(name);
    if (raw === null || raw === '') return { ok: true, value: undefined };
    try {
      return { ok: true, value: JSON.parse(raw) };
    } catch {
      return { ok: false, answer: fail(400, 'invalid_args', `${name} must be JSON`) };
    }
  }

  private list(url: URL): HttpAnswer {
    const filtersParam = this.jsonParam(url, 'select_filters');
    if (!filtersParam.ok) return filtersParam.answer;
    const orderParam = this.jsonParam(url, 'order_by');
    if (!orderParam.ok) return orderParam.answer;
    const colsParam = this.jsonParam(url, 'select_cols');
    if (!colsParam.ok) return colsParam.answer;
    const filters = (filtersParam.value ?? {}) as Record<string, unknown>;
    for (const column of Object.keys(filters)) {
      if (!storedColumns.has(column)) return fail(400, 'invalid_args', `cannot filter on column ${column}: only stored columns can be filtered`);
    }
    const orderBy = (Array.isArray(orderParam.value) ? orderParam.value : [{ col: 'id', dir: 'asc' }]) as Array<{ col: string; dir?: string }>;
    for (const o of orderBy) if (!storedColumns.has(o.col)) return fail(400, 'invalid_args', `cannot order by column ${o.col}`);
    const limit = Math.min(25, Math.max(1, Number(url.searchParams.get('limit') ?? 25) || 25));
    let offset = 0;
    const token = url.searchParams.get('after_token');
    if (token) {
      try {
        offset = Number((JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o: number }).o);
        if (!Number.isInteger(offset) || offset < 0) throw new Error('bad');
      } catch {
        return fail(400, 'invalid_args', 'after_token is not a token this API gave out');
      }
    }
    const rows = [...this.instances.values()]
      .filter((i) => {
        if (!this.visible(i)) return false;
        if (i.hiddenReads <= 0) return true;
        i.hiddenReads--;
        return false;
      })
      .map((i) => this.instanceView(i));
    let matching: Array<Record<string, unknown>>;
    try {
      matching = rows.filter((r) => matchesFilters(r, filters));
    } catch (err) {
      return fail(400, 'invalid_args', (err as Error).message);
    }
    matching.sort(compareBy(orderBy.map((o) => [o.col, o.dir ?? 'asc'])));
    const page = matching.slice(offset, offset + limit);
    const cols = Array.isArray(colsParam.value) && !colsParam.value.includes('*') ? (colsParam.value as string[]) : null;
    const projected = cols ? page.map((r) => Object.fromEntries(cols.filter((c) => c in r).map((c) => [c, r[c]]))) : page;
    const labelCounts: Record<string, number> = {};
    for (const r of matching) labelCounts[String(r.label ?? '')] = (labelCounts[String(r.label ?? '')] ?? 0) + 1;
    const next = offset + limit < matching.length ? Buffer.from(JSON.stringify({ o: offset + limit })).toString('base64url') : null;
    return new HttpAnswer(200, { instances: projected, next_token: next, total_instances: matching.length, label_counts: labelCounts });
  }

  private instanceFilters(): HttpAnswer {
    const combos = new Map<string, Record<string, unknown>>();
    for (const i of this.instances.values()) {
      if (!this.visible(i)) continue;
      const combo = { actual_status: i.actualStatus, verification: i.machine.verification, gpu_name: i.machine.gpu_name };
      combos.set(JSON.stringify(combo), combo);
    }
    return new HttpAnswer(200, { filters: [...combos.values()] });
  }

  private changeState(id: number, body: unknown): HttpAnswer {
    const instance = this.instances.get(id);
    if (!instance || instance.destroyedAtMs !== null) return fail(404, 'no_such_instance', `Instance ${id} not found.`);
    const b = (body ?? {}) as Record<string, unknown>;
    if (b.label !== undefined) {
      if (typeof b.label !== 'string' || b.label.length > 256) return fail(400, 'label_too_long', 'label must be at most 256 characters');
      instance.label = b.label;
    }
    if (b.state === 'stopped') {
      if (instance.phase !== 'stopped') this.stopInstance(instance, 'stopped by the user');
    } else if (b.state === 'running') {
      if (this.credit <= 0) return fail(400, 'missing_billing', 'Your account lacks credit; add credit to start instances.');
      if (instance.phase === 'stopped') {
        this.settleBilling(instance, this.clock.now());
        instance.intendedStatus = 'running';
        instance.curState = 'running';
        instance.nextState = 'running';
        instance.phase = 'scheduling';
        instance.statusMsg = 'Scheduling';
        instance.bootFailure = instance.bootFailure === 'stuck_loading' ? 'stuck_loading' : null;
        // A restart waits for its GPU; when the GPU was taken meanwhile it waits for good.
        instance.phaseEndsAtMs = this.faults.startSticks() ? null : this.clock.now() + (this.options.schedulingMs ?? 5_000);
      }
    } else if (b.state !== undefined) {
      return fail(400, 'invalid_args', `unknown state ${JSON.stringify(b.state)}`);
    }
    return new HttpAnswer(200, { success: true });
  }

  private destroy(id: number): HttpAnswer {
    const instance = this.instances.get(id);
    if (!instance || instance.destroyedAtMs !== null) return fail(404, 'no_such_instance', `Instance ${id} not found.`);
    this.settleBilling(instance, this.clock.now());
    instance.destroyedAtMs = this.clock.now();
    instance.phase = 'stopped';
    instance.phaseEndsAtMs = null;
    instance.curState = 'unloaded';
    instance.intendedStatus = 'stopped';
    void this.track(this.stopContainer(instance));
    // The machine goes back on the market under a new ask id.
    this.listOffer(instance.machine);
    return new HttpAnswer(200, { success: true });
  }

  private account(): HttpAnswer {
    const credit = round(this.credit, 6);
    return new HttpAnswer(200, {
      id: this.options.account?.id ?? 4242,
      username: 'fake-operator',
      email: this.options.account?.email ?? 'operator@example.invalid',
      fullname: 'Fake Operator',
      // Vast answers the account's own key here too; the official CLI removes it before printing (show user).
      api_key: this.apiKey,
      credit,
      balance: credit,
      can_pay: credit > 0,
      has_billing: true,
      ssh_key: null,
      balance_threshold: 5,
      balance_threshold_enabled: false,
      billed_expected: 0,
      billed_verified: 0,
    });
  }

  private charges(url: URL): HttpAnswer {
    const filtersParam = this.jsonParam(url, 'select_filters');
    if (!filtersParam.ok) return filtersParam.answer;
    const filters = (filtersParam.value ?? {}) as { day?: { gte?: number; lte?: number }; type?: { in?: string[] } };
    const from = Number(filters.day?.gte ?? 0);
    const to = Number(filters.day?.lte ?? Number.MAX_SAFE_INTEGER);
    const wantsInstances = !filters.type?.in || filters.type.in.includes('instance');
    for (const i of this.liveInstances()) this.settleBilling(i, this.clock.now());
    const rows: Array<Record<string, unknown>> = [];
    if (wantsInstances) {
      for (const instance of [...this.instances.values()].sort((a, b) => a.id - b.id)) {
        for (const [day, bucket] of [...instance.days].sort((a, b) => a[0] - b[0])) {
          if (day + 86_400 <= from || day > to) continue;
          rows.push({
            type: 'instance',
            source: `instance-${instance.id}`,
            day,
            amount: round(bucket.gpu + bucket.disk, 8),
            items: [
              { type: 'gpu', amount: round(bucket.gpu, 8) },
              { type: 'disk', amount: round(bucket.disk, 8) },
              { type: 'bwu', amount: 0 },
              { type: 'bwd', amount: 0 },
            ],
          });
        }
      }
    }
    const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100));
    const offset = Number(url.searchParams.get('after_token') ? Buffer.from(url.searchParams.get('after_token')!, 'base64url').toString('utf8') : 0) || 0;
    const page = rows.slice(offset, offset + limit);
    const next = offset + limit < rows.length ? Buffer.from(String(offset + limit)).toString('base64url') : null;
    return new HttpAnswer(200, { results: page, next_token: next, count: rows.length });
  }
}

export async function startFakeVast(options: FakeVastOptions = {}): Promise<FakeVast> {
  return new FakeVast(options).start();
}
