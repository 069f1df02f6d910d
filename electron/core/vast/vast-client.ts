// The Vast.ai REST client: offer search, create from an offer, poll, list (v1, paginated), stop/start, destroy,
// account credit, charges and the GPU name list, each reply parsed with the schemas of the fields used. A
// create that may have reached Vast (timeout, reset, 5xx) is never sent again: the instance is read back by its
// label, and if it cannot be seen the caller gets VAST_CREATE_OUTCOME_UNKNOWN with that label to record, so a
// later reconcile finds the instance.
import { z } from 'zod';
import { abortableSleep } from './abortable-sleep.js';
import { checkCreateLimits, portEnvKey, type PortMapping } from './vast-env-limits.js';
import { VastError } from './vast-errors.js';
import { AmbiguousOutcome, VastHttp, type VastHttpOptions, type VastResponse } from './vast-http.js';
import { buildOfferQuery, parseOfferFilters, type OfferFilters } from './vast-offer-query.js';
import {
  ChargesReply,
  CreateInstanceReply,
  GpuNamesReply,
  ListInstancesReply,
  RawAccount,
  RawCharge,
  RawInstance,
  RawOffer,
  SearchOffersReply,
  ShowInstanceReply,
  SuccessReply,
  toCharge,
  toInstance,
  toOffer,
  type VastAccount,
  type VastCharge,
  type VastInstance,
  type VastOffer,
} from './vast-schemas.js';

export const defaultVastBaseUrl = 'https://console.vast.ai';

export interface VastClientOptions extends Omit<VastHttpOptions, 'baseUrl'> {
  baseUrl?: string;
  /** Read-backs after an ambiguous create: how many, and the pause before each (read-after-create lags). */
  readBackDelaysMs?: number[];
}

export interface Signal {
  signal?: AbortSignal;
}

export interface CreateInstanceRequest {
  offerId: number;
  /** Image reference Vast pulls, e.g. registry.example.com/mediafleet-gpu:1.2.0. */
  image: string;
  /** Registry login as Vast takes it: "-u USER -p PASSWORD REGISTRY". */
  imageLogin?: string;
  diskGb: number;
  env?: Record<string, string>;
  /** Container ports to publish; Vast picks the host ports (see hostPortOf). */
  ports?: PortMapping[];
  onstart?: string;
  /** Unique per rental: the read-back after an ambiguous create and the reconcile find the instance by it. */
  label: string;
  runtype?: 'ssh' | 'ssh_direct' | 'ssh_proxy' | 'args' | 'jupyter_direct';
  args?: string[];
  /** A bid in $/h makes the instance interruptible; omitted = on demand. */
  bidPrice?: number;
  /** Fail instead of leaving a stopped instance when the machine cannot be scheduled (default true). */
  cancelUnavailable?: boolean;
}

export interface CreatedInstance {
  instanceId: number;
  /** The instance-scoped key (also in the container as CONTAINER_API_KEY); null when read back after an ambiguous create. */
  instanceApiKey: string | null;
  /** true when the create's answer was lost and the instance was found by its label. */
  readBack: boolean;
}

export interface InstancePage {
  instances: VastInstance[];
  nextToken: string | null;
  total: number | null;
}

export interface ListInstancesRequest extends Signal {
  /** Stored columns only (Vast refuses computed ones such as dph_total): e.g. {label: {eq: "..."}}. */
  filters?: Record<string, Record<string, unknown>>;
  /** ≤ 25. */
  limit?: number;
  pageToken?: string;
}

export interface DestroyResult {
  /** true when Vast said it did not know the instance (already destroyed): counts as done. */
  alreadyGone: boolean;
}

function parseOr<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VastError('VAST_BAD_RESPONSE', `Vast.ai answered ${what} with something unexpected (${issue.path.join('.') || 'body'}: ${issue.message}). Try again; if it persists, Vast.ai changed its API.`);
  }
  return parsed.data;
}

function bodyOf(response: VastResponse, what: string): unknown {
  if (response.body === undefined) {
    throw new VastError('VAST_BAD_RESPONSE', `Vast.ai answered ${what} with something that is not JSON: "${response.text.slice(0, 80)}".`);
  }
  return response.body;
}

export class VastClient {
  readonly http: VastHttp;
  private readonly readBackDelaysMs: number[];
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: VastClientOptions) {
    if (!options.apiKey?.trim()) throw new VastError('VAST_AUTH_FAILED', 'No Vast.ai API key is set. Paste one in Settings → GPUs.');
    this.http = new VastHttp({ ...options, baseUrl: options.baseUrl ?? defaultVastBaseUrl });
    this.readBackDelaysMs = options.readBackDelaysMs ?? [1000, 2000, 3000, 5000];
    this.sleep = options.sleep ?? abortableSleep;
  }

  /** Offers matching the filters, in Vast's order (cheapest first by default). Malformed offers are skipped. */
  async searchOffers(filters: OfferFilters = {}, { signal }: Signal = {}): Promise<VastOffer[]> {
    const query = buildOfferQuery(filters);
    const what = 'searching offers';
    const res = await this.http.send({ endpoint: 'search', method: 'POST', path: '/api/v0/bundles/', body: query, what, resendWhenAmbiguous: true, signal });
    const reply = parseOr(SearchOffersReply, bodyOf(res, what), what);
    const offers: VastOffer[] = [];
    for (const raw of reply.offers ?? []) {
      const parsed = RawOffer.safeParse(raw);
      if (parsed.success) offers.push(toOffer(parsed.data));
    }
    return offers;
  }

  /** The filters as they will be sent, validated (for a UI that wants to show what was searched). */
  static validateFilters(filters: OfferFilters): ReturnType<typeof parseOfferFilters> {
    return parseOfferFilters(filters);
  }

  async createInstance(request: CreateInstanceRequest, { signal }: Signal = {}): Promise<CreatedInstance> {
    const env = request.env ?? {};
    const ports = request.ports ?? [];
    if (!request.image?.trim()) throw new VastError('VAST_INVALID_REQUEST', 'No image to run: set the GPU image reference in Settings → GPUs.');
    if (!(request.diskGb >= 8)) throw new VastError('VAST_INVALID_REQUEST', `Disk must be at least 8 GB (got ${request.diskGb}).`);
    checkCreateLimits({ env, ports, onstart: request.onstart, args: request.args, label: request.label });
    const body: Record<string, unknown> = {
      client_id: 'me',
      image: request.image,
      disk: request.diskGb,
      env: { ...env, ...Object.fromEntries(ports.map((p) => [portEnvKey(p), '1'])) },
      label: request.label,
      runtype: request.runtype ?? (request.args ? 'args' : 'ssh_direct'),
      cancel_unavail: request.cancelUnavailable ?? true,
      target_state: 'running',
    };
    if (request.onstart !== undefined) body.onstart = request.onstart;
    if (request.imageLogin) body.image_login = request.imageLogin;
    if (request.args) body.args = request.args;
    if (request.bidPrice !== undefined) body.price = request.bidPrice;
    const what = `renting offer ${request.offerId}`;
    let res: VastResponse;
    try {
      res = await this.http.send({ endpoint: 'create', method: 'PUT', path: `/api/v0/asks/${request.offerId}/`, body, what, resendWhenAmbiguous: false, signal });
    } catch (err) {
      if (!(err instanceof AmbiguousOutcome)) throw err;
      return this.readBackAfterAmbiguousCreate(request.label, err, signal);
    }
    const reply = parseOr(CreateInstanceReply, bodyOf(res, what), what);
    if (reply.success === false) {
      // A refused bid still leaves a stopped contract behind (dstack saw this): destroy it, say whether that worked.
      if (reply.new_contract != null) {
        const destroyed = await this.destroyInstance(reply.new_contract, { signal }).then(
          () => true,
          () => false,
        );
        throw new VastError(
          'VAST_BID_TOO_LOW',
          `Vast.ai did not start the instance (${reply.msg ?? reply.error ?? 'bid refused'}); the stopped instance ${reply.new_contract} it left ${destroyed ? 'was destroyed' : 'could NOT be destroyed: destroy it by hand or let the reconcile do it'}. Bid at least the offer's min_bid, or rent on demand.`,
          { instanceId: reply.new_contract, destroyed, vastError: reply.error ?? undefined, label: request.label },
        );
      }
      throw new VastError('VAST_BAD_REQUEST', `Vast.ai refused ${what}: ${reply.msg ?? reply.error ?? 'no reason given'}.`, { vastError: reply.error ?? undefined });
    }
    if (reply.new_contract == null) throw new VastError('VAST_BAD_RESPONSE', `Vast.ai answered ${what} without the new instance's id. Check the instance list for label ${request.label}.`, { label: request.label });
    return { instanceId: reply.new_contract, instanceApiKey: reply.instance_api_key ?? null, readBack: false };
  }

  private async readBackAfterAmbiguousCreate(label: string, ambiguity: AmbiguousOutcome, signal?: AbortSignal): Promise<CreatedInstance> {
    const unknown = (why: string): VastError =>
      new VastError(
        'VAST_CREATE_OUTCOME_UNKNOWN',
        `Renting may or may not have worked (${ambiguity.reason}); ${why}. It was not sent again, so at most one instance exists: it carries the label "${label}" and the next reconcile will find it (and destroy it if nothing uses it).`,
        { label },
      );
    if (ambiguity.canceled) throw unknown('the rental was canceled while the request was in flight');
    let lastError: unknown;
    for (const delay of this.readBackDelaysMs) {
      try {
        await this.sleep(delay, signal);
        const found = await this.listAllInstances({ filters: { label: { eq: label } }, signal });
        const matching = found.filter((i) => i.label === label);
        if (matching.length === 1) return { instanceId: matching[0].id, instanceApiKey: null, readBack: true };
        if (matching.length > 1) {
          throw new VastError('VAST_LABEL_NOT_UNIQUE', `Several instances carry the label "${label}" (${matching.map((i) => i.id).join(', ')}); labels must be unique per rental. Destroy the ones not in use.`, {
            label,
            instanceIds: matching.map((i) => i.id),
          });
        }
      } catch (err) {
        if (err instanceof VastError && err.code === 'VAST_LABEL_NOT_UNIQUE') throw err;
        if (signal?.aborted) throw unknown('the rental was canceled while reading the instance list back');
        lastError = err;
      }
    }
    const why = lastError instanceof Error ? `reading the instance list back failed: ${lastError.message}` : `no instance with that label appeared after ${this.readBackDelaysMs.length} read-backs`;
    throw unknown(why);
  }

  /** One instance, or null once it is destroyed (or was never ours). */
  async getInstance(id: number, { signal }: Signal = {}): Promise<VastInstance | null> {
    const what = `reading instance ${id}`;
    const res = await this.http.send({ endpoint: 'show', method: 'GET', path: `/api/v0/instances/${id}/`, query: { owner: 'me' }, what, resendWhenAmbiguous: true, signal });
    const reply = parseOr(ShowInstanceReply, bodyOf(res, what), what);
    let raw = reply.instances ?? null;
    if (Array.isArray(raw)) raw = raw.find((r) => (r as { id?: unknown })?.id === id) ?? null;
    if (raw === null) return null;
    return toInstance(parseOr(RawInstance, raw, what));
  }

  /** One page of the v1 listing (≤ 25 instances). */
  async listInstances({ filters, limit = 25, pageToken, signal }: ListInstancesRequest = {}): Promise<InstancePage> {
    const what = 'listing instances';
    const res = await this.http.send({
      endpoint: 'list',
      method: 'GET',
      path: '/api/v1/instances/',
      query: { select_filters: filters ?? {}, order_by: [{ col: 'id', dir: 'asc' }], limit: Math.min(25, Math.max(1, limit)), after_token: pageToken },
      what,
      resendWhenAmbiguous: true,
      signal,
    });
    const reply = parseOr(ListInstancesReply, bodyOf(res, what), what);
    return {
      instances: (reply.instances ?? []).map((raw) => toInstance(parseOr(RawInstance, raw, what))),
      nextToken: reply.next_token || null,
      total: reply.total_instances ?? null,
    };
  }

  /** Every page of the listing; stops after `maxPages` (a token that never ends would otherwise loop). */
  async listAllInstances(request: Omit<ListInstancesRequest, 'pageToken'> & { maxPages?: number } = {}): Promise<VastInstance[]> {
    const all: VastInstance[] = [];
    let pageToken: string | undefined;
    const maxPages = request.maxPages ?? 400;
    for (let page = 0; page < maxPages; page++) {
      const result = await this.listInstances({ ...request, pageToken });
      all.push(...result.instances);
      if (!result.nextToken) return all;
      pageToken = result.nextToken;
    }
    throw new VastError('VAST_BAD_RESPONSE', `The instance listing did not end after ${maxPages} pages.`);
  }

  async stopInstance(id: number, { signal }: Signal = {}): Promise<void> {
    await this.setState(id, 'stopped', signal);
  }

  async startInstance(id: number, { signal }: Signal = {}): Promise<void> {
    await this.setState(id, 'running', signal);
  }

  private async setState(id: number, state: 'stopped' | 'running', signal?: AbortSignal): Promise<void> {
    const what = `${state === 'stopped' ? 'stopping' : 'starting'} instance ${id}`;
    const res = await this.http.send({ endpoint: 'state', method: 'PUT', path: `/api/v0/instances/${id}/`, body: { state }, what, resendWhenAmbiguous: true, signal });
    this.expectSuccess(res, what);
  }

  /** Destroys the instance; an instance Vast no longer knows counts as destroyed (alreadyGone). */
  async destroyInstance(id: number, { signal }: Signal = {}): Promise<DestroyResult> {
    const what = `destroying instance ${id}`;
    let res: VastResponse;
    try {
      res = await this.http.send({ endpoint: 'destroy', method: 'DELETE', path: `/api/v0/instances/${id}/`, body: {}, what, resendWhenAmbiguous: true, signal });
    } catch (err) {
      // Only Vast's own "no such instance" counts: a bare 404 may be a wrong base URL, and the instance would bill on.
      if (err instanceof VastError && (err.details.vastError === 'no_such_instance' || (err.details.status === 404 && err.details.vastError === 'not_found'))) {
        return { alreadyGone: true };
      }
      throw err;
    }
    const reply = SuccessReply.safeParse(res.body);
    if (reply.success && reply.data.error === 'no_such_instance') return { alreadyGone: true };
    this.expectSuccess(res, what);
    return { alreadyGone: false };
  }

  private expectSuccess(res: VastResponse, what: string): void {
    const reply = parseOr(SuccessReply, bodyOf(res, what), what);
    if (reply.success === false) {
      throw new VastError('VAST_BAD_REQUEST', `Vast.ai refused ${what}: ${reply.msg ?? reply.message ?? reply.error ?? 'no reason given'}.`, { vastError: reply.error ?? undefined, status: res.status });
    }
  }

  /** The account behind the key: checks the key and says how much credit is left. */
  async getAccount({ signal }: Signal = {}): Promise<VastAccount> {
    const what = 'reading the account';
    const res = await this.http.send({ endpoint: 'account', method: 'GET', path: '/api/v0/users/current/', what, resendWhenAmbiguous: true, signal });
    const raw = parseOr(RawAccount, bodyOf(res, what), what);
    if (raw.credit == null) throw new VastError('VAST_BAD_RESPONSE', 'Vast.ai answered the account request without a credit figure.');
    return { id: raw.id ?? null, email: raw.email ?? null, credit: raw.credit, balance: raw.balance ?? null, canPay: raw.can_pay ?? null };
  }

  /** Instance charges between two Unix times (seconds), all pages. */
  async listCharges(range: { fromSeconds: number; toSeconds: number }, { signal, maxPages = 100 }: Signal & { maxPages?: number } = {}): Promise<VastCharge[]> {
    const what = 'reading charges';
    const all: VastCharge[] = [];
    let afterToken: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const res = await this.http.send({
        endpoint: 'charges',
        method: 'GET',
        path: '/api/v0/charges/',
        query: { select_filters: { day: { gte: range.fromSeconds, lte: range.toSeconds }, type: { in: ['instance'] } }, limit: 100, after_token: afterToken },
        what,
        resendWhenAmbiguous: true,
        signal,
      });
      const reply = parseOr(ChargesReply, bodyOf(res, what), what);
      for (const raw of reply.results ?? []) all.push(toCharge(parseOr(RawCharge, raw, what)));
      if (!reply.next_token) return all;
      afterToken = reply.next_token;
    }
    throw new VastError('VAST_BAD_RESPONSE', `The charges listing did not end after ${maxPages} pages.`);
  }

  /** The GPU model names Vast knows (anonymous; the official CLI asks it at start). */
  async gpuNames({ signal }: Signal = {}): Promise<string[]> {
    const what = 'reading GPU names';
    const res = await this.http.send({ endpoint: 'gpuNames', method: 'GET', path: '/api/v0/gpu_names/unique/', auth: false, what, resendWhenAmbiguous: true, signal });
    return parseOr(GpuNamesReply, bodyOf(res, what), what).gpu_names;
  }
}
