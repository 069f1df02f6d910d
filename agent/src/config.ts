// Agent settings: every MEDIAFLEET_* variable the agent reads, with its default and meaning, validated once at start
// (defaults, then environment, then explicit overrides such as CLI flags) so a bad value fails loudly instead of
// surfacing as an odd runtime behaviour. Nothing else in the agent reads process.env for a setting: the HTTP side
// gets an AgentConfig, worker threads get the analysis settings in their init data (see `useAnalysisSettings`).
// The README's settings table is rendered from `settingDocs` (config.test.ts keeps the two equal).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { imageAnalysisNames } from './contracts/result-document.js';

/** Node's timers overflow past 2^31-1 ms (about 24.8 days): no time limit may be longer. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

/** true/false, 1/0, yes/no; anything else is refused rather than guessed. */
const envBoolean = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(s)) return true;
  if (['false', '0', 'no'].includes(s)) return false;
  return v;
}, z.boolean({ error: 'must be true or false' }));

const optionalPath = z.string().min(1).optional();

/** Settings the analyzers read inside worker threads (and the CLI's `analyze`); handed over in the worker's init. */
const AnalysisSettingsSchema = z.object({
  onnxThreads: int(1, 64),
  imageThreads: int(1, 64),
  tesseractIdleMs: int(0),
  /** auto: CUDA where a runtime's GPU build can load (see runtimes/gpu); off: the CPU for everything. */
  gpu: z.enum(['auto', 'off'], { error: 'must be auto or off' }),
  maxPixels: int(1),
  maxDurationSec: z.coerce.number().positive(),
  ffmpeg: optionalPath,
  ffprobe: optionalPath,
  pocketsphinx: optionalPath,
  pocketsphinxModel: optionalPath,
  pocketsphinxLib: optionalPath,
  sphinxbaseLib: optionalPath,
  pocketsphinxRuntime: z.enum(['library', 'cli']),
  nsfwRules: optionalPath,
  modelsDir: z.string().min(1),
  modelMirror: z.string().min(1).optional(),
  modelManifests: optionalPath,
});
export type AnalysisSettings = z.infer<typeof AnalysisSettingsSchema>;
export const analysisSettingKeys = Object.keys(AnalysisSettingsSchema.shape) as Array<keyof AnalysisSettings>;

const AgentConfigSchema = z
  .object({
    host: z.string().min(1),
    port: int(0, 65535),
    dataDir: z.string().min(1),
    workers: int(1, 64),
    workerNice: int(0, 19),
    maxQueueDepth: int(1),
    maxQueuePerTenant: int(1).optional(),
    maxUploadBytes: int(1),
    maxSyncUploadBytes: int(1),
    jobTimeoutMs: int(100, MAX_TIMER_MS),
    maxJobTimeoutMs: int(100, MAX_TIMER_MS),
    leaseMs: int(200),
    maxAttempts: int(1),
    personSimilarity: z.coerce.number().min(0).max(1),
    agentId: z.string().min(1),
    agentVersion: z.string().min(1).optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    benchImagesDir: z.string().min(1),
    warmUp: z.preprocess(
      (v) => (typeof v === 'string' ? (v.trim() === 'none' ? [] : v.split(',').map((s) => s.trim()).filter(Boolean)) : v),
      z.array(z.enum(imageAnalysisNames)),
    ),
    adminToken: z
      .string()
      .regex(/^mf_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/, 'must be a Mediafleet token (mf_<12 characters>_<43 characters>)')
      .optional(),
    adminTenant: z.string().trim().min(1).max(100),
    // Pairing mode (a rented instance, see pairing/README.md): a one-time secret, which travels in the instance's
    // env (Vast's env values are at most 256 characters) and is worth nothing once pairing is done.
    pairingSecret: z.string().regex(/^[A-Za-z0-9_-]{32,256}$/, 'must be 32-256 characters of A-Z, a-z, 0-9, - and _ (the console mints 43)').optional(),
    tls: z.enum(['off', 'self-signed'], { error: 'must be off or self-signed' }),
    uploadIdleMs: int(100, MAX_TIMER_MS),
    uploadMinBytesPerSec: int(1),
    minFreeDiskBytes: int(0),
    rateLimitPerMinute: int(0),
    maxEventLoopDelayMs: int(0),
    maxHeapUsedBytes: int(0),
    retentionDays: z.coerce.number().min(0),
    webhookAllowHttp: envBoolean,
    webhookAllowPrivate: envBoolean,
    webhookRetryForMs: int(0, MAX_TIMER_MS),
    webhookTimeoutMs: int(100, MAX_TIMER_MS),
    webhookCaFile: optionalPath,
    redisUrl: z
      .string()
      .refine((v) => URL.canParse(v) && /^rediss?:$/.test(new URL(v).protocol), 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379')
      .optional(),
    clusterUrl: z
      .string()
      .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an http:// or https:// URL')
      .optional(),
    clusterTakesJobs: envBoolean,
    clusterQueue: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _ only'),
    // The dead-man switch of a rented Vast.ai instance (self-destroy/): 0 or unset turns a limit off.
    deadmanS: int(0, Math.floor(MAX_TIMER_MS / 1000)).optional(),
    lifetimeCapS: int(0, 10 * 365 * 86_400).optional(),
    spendCapUsd: z.coerce.number().min(0).max(1_000_000).optional(),
    dphUsd: z.coerce.number().positive('must be a rate above 0 $/h').max(10_000).optional(),
    selfDestroyDrainS: int(0, 86_400),
    vastApiUrl: z.string().refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an http:// or https:// URL, e.g. https://console.vast.ai/api/v0'),
    // Vast.ai's own variables in every container: the instance id goes into a URL path, so digits only.
    containerId: z.string().regex(/^\d{1,20}$/, 'must be the numeric instance id Vast.ai sets').optional(),
    containerApiKey: z.string().regex(/^\S{1,512}$/, 'must be the key Vast.ai sets (no spaces)').optional(),
  })
  .extend(AnalysisSettingsSchema.shape)
  .superRefine((value, ctx) => {
    // The pairing proof binds the secret to the certificate the console sees: without TLS there is none, and the
    // token would cross in plain text.
    if (value.pairingSecret && value.tls !== 'self-signed')
      ctx.addIssue({ code: 'custom', path: ['pairingSecret'], message: 'needs MEDIAFLEET_TLS=self-signed: pairing binds the secret to the certificate the console sees' });
    // Pairing installs the admin token; one from the env as well would be a token that crossed in plain text.
    if (value.pairingSecret && value.adminToken)
      ctx.addIssue({ code: 'custom', path: ['pairingSecret'], message: 'set either MEDIAFLEET_PAIRING_SECRET or MEDIAFLEET_ADMIN_TOKEN, not both: pairing installs the admin token itself' });
    if (value.jobTimeoutMs > value.maxJobTimeoutMs)
      ctx.addIssue({ code: 'custom', path: ['jobTimeoutMs'], message: `must not exceed MEDIAFLEET_MAX_JOB_TIMEOUT_MS (${value.maxJobTimeoutMs})` });
  });

export type AgentConfig = Omit<z.infer<typeof AgentConfigSchema>, 'maxQueuePerTenant'> & { maxQueuePerTenant: number };
type SettingKey = keyof z.infer<typeof AgentConfigSchema>;

interface SettingDoc {
  env: string;
  /** The default as the README shows it, when it is not simply the value below. */
  shownDefault?: string;
  doc: string;
}

/** Every setting: its variable, and what it means (one line each; the README's table is made from these). */
export const settingDocs: Record<SettingKey, SettingDoc> = {
  host: { env: 'MEDIAFLEET_HOST', doc: 'address to listen on (`serve --host`)' },
  port: { env: 'MEDIAFLEET_PORT', doc: 'port to listen on (`serve --port`)' },
  dataDir: { env: 'MEDIAFLEET_DATA', shownDefault: '`./.data/agent`', doc: 'data directory: SQLite file, uploads, thumbnails (`--data`)' },
  workers: { env: 'MEDIAFLEET_WORKERS', shownDefault: 'cores − 1', doc: 'worker threads running models (`serve --workers`)' },
  workerNice: { env: 'MEDIAFLEET_WORKER_NICE', doc: 'nice value of the worker threads (0–19): at 19 the HTTP side is served first; 0 on a server shared with other busy programs' },
  maxQueueDepth: { env: 'MEDIAFLEET_MAX_QUEUE', doc: 'jobs waiting across all tenants before uploads get 429' },
  maxQueuePerTenant: { env: 'MEDIAFLEET_MAX_QUEUE_PER_TENANT', shownDefault: 'half of `MEDIAFLEET_MAX_QUEUE`', doc: "jobs one tenant may have waiting before its uploads get 429, so one tenant's flood leaves room for the others" },
  maxUploadBytes: { env: 'MEDIAFLEET_MAX_UPLOAD_BYTES', doc: 'largest upload to `POST /v1/jobs` (413 above)' },
  maxSyncUploadBytes: { env: 'MEDIAFLEET_MAX_SYNC_UPLOAD_BYTES', doc: 'largest upload to `POST /v1/analyze`' },
  jobTimeoutMs: { env: 'MEDIAFLEET_JOB_TIMEOUT_MS', doc: "a job's time limit when it names none" },
  maxJobTimeoutMs: { env: 'MEDIAFLEET_MAX_JOB_TIMEOUT_MS', doc: 'the largest `timeoutMs` a job may ask for (400 above)' },
  leaseMs: { env: 'MEDIAFLEET_LEASE_MS', doc: "a running job's lease, renewed every third of it; in cluster mode BullMQ's lock" },
  maxAttempts: { env: 'MEDIAFLEET_MAX_ATTEMPTS', doc: "runs of a job whose own worker died on it before it fails (an agent that is killed does not count)" },
  personSimilarity: { env: 'MEDIAFLEET_PERSON_SIMILARITY', doc: 'cosine similarity above which a new face joins an existing person' },
  agentId: { env: 'MEDIAFLEET_AGENT_ID', shownDefault: 'the host name', doc: "this agent's name in results and in a cluster" },
  agentVersion: { env: 'MEDIAFLEET_AGENT_VERSION', shownDefault: "package.json's", doc: 'the version images and units stamp at build time' },
  logLevel: { env: 'MEDIAFLEET_LOG_LEVEL', doc: 'fatal, error, warn, info, debug, trace or silent (logs go to stderr)' },
  benchImagesDir: { env: 'MEDIAFLEET_BENCH_IMAGES', shownDefault: '`../shared/fixtures/images`', doc: 'images `POST /v1/bench` runs on' },
  warmUp: { env: 'MEDIAFLEET_WARMUP', shownDefault: 'all image analyses', doc: 'comma list of analyses whose models each worker loads before the agent is ready, or `none`' },
  adminToken: { env: 'MEDIAFLEET_ADMIN_TOKEN', shownDefault: 'unset', doc: "a token (`mf_…`) registered at start with the `all-tenants` scope: the console's own token on an agent it set up (e.g. a rented instance)" },
  adminTenant: { env: 'MEDIAFLEET_ADMIN_TENANT', doc: 'the home tenant of `MEDIAFLEET_ADMIN_TOKEN` (its own jobs go there)' },
  pairingSecret: { env: 'MEDIAFLEET_PAIRING_SECRET', shownDefault: 'unset', doc: "pairing mode (a rented instance): a one-time secret (32-256 of `A-Za-z0-9_-`) the console proves it knows to install its admin token over TLS (`POST /v1/pairing/proof`, `/v1/pairing/complete`; see `agent/src/pairing/README.md`); needs `MEDIAFLEET_TLS=self-signed`, excludes `MEDIAFLEET_ADMIN_TOKEN`. Never logged" },
  tls: { env: 'MEDIAFLEET_TLS', doc: '`self-signed`: serve HTTPS with a key pair and self-signed certificate the agent makes on its first start (kept in `<data>/tls/`); `off`: plain HTTP (behind a reverse proxy)' },
  uploadIdleMs: { env: 'MEDIAFLEET_UPLOAD_IDLE_MS', doc: 'an upload that sends nothing for this long is closed (408 `UPLOAD_STALLED`) and its partial file removed' },
  uploadMinBytesPerSec: { env: 'MEDIAFLEET_UPLOAD_MIN_BYTES_PER_SEC', doc: 'slowest average rate an upload may keep: its whole request must end within 2 × `MEDIAFLEET_UPLOAD_IDLE_MS` + its size ÷ this rate (408 `UPLOAD_TOO_SLOW`)' },
  minFreeDiskBytes: { env: 'MEDIAFLEET_MIN_FREE_DISK_BYTES', doc: 'free space under the data directory below which uploads get 507 `DISK_FULL` (reads go on)' },
  rateLimitPerMinute: { env: 'MEDIAFLEET_RATE_LIMIT_PER_MIN', doc: 'requests per minute per token (per address without one) before 429 `RATE_LIMITED`; 0 turns the limit off' },
  maxEventLoopDelayMs: { env: 'MEDIAFLEET_MAX_EVENT_LOOP_DELAY_MS', doc: 'event-loop delay above which requests get 503 `OVERLOADED` (load shedding); 0 turns it off' },
  maxHeapUsedBytes: { env: 'MEDIAFLEET_MAX_HEAP_BYTES', shownDefault: '0 (off)', doc: 'heap use of the HTTP side above which requests get 503 `OVERLOADED`; 0 turns it off' },
  retentionDays: { env: 'MEDIAFLEET_RETENTION_DAYS', shownDefault: '0 (keep)', doc: 'finished jobs older than this many days are erased with all they left (result, thumbnails, faces, speaker turns); 0 keeps them' },
  webhookAllowHttp: { env: 'MEDIAFLEET_WEBHOOK_ALLOW_HTTP', doc: 'accept `http://` callback URLs (otherwise https only)' },
  webhookAllowPrivate: { env: 'MEDIAFLEET_WEBHOOK_ALLOW_PRIVATE', doc: 'accept callback URLs that resolve to loopback, link-local or private addresses (refused otherwise, against SSRF)' },
  webhookRetryForMs: { env: 'MEDIAFLEET_WEBHOOK_RETRY_FOR_MS', doc: 'how long a callback that fails is retried (with backoff) before it is given up' },
  webhookTimeoutMs: { env: 'MEDIAFLEET_WEBHOOK_TIMEOUT_MS', doc: 'how long one callback request may take' },
  webhookCaFile: { env: 'MEDIAFLEET_WEBHOOK_CA_FILE', shownDefault: 'unset', doc: 'extra CA certificates (PEM) trusted for callback URLs, e.g. an internal CA' },
  redisUrl: { env: 'REDIS_URL', shownDefault: 'unset', doc: 'cluster mode: `redis://[user:password@]host[:port][/db]` (or `rediss://`); agents naming the same Redis share one queue (see `agent/src/cluster/README.md`). Named so, not MEDIAFLEET_*, as compose files and hosting panels already name it' },
  clusterUrl: { env: 'MEDIAFLEET_CLUSTER_URL', shownDefault: '`http://<host>:<port>`', doc: "where the other agents of the cluster fetch this agent's uploads" },
  clusterTakesJobs: { env: 'MEDIAFLEET_CLUSTER_TAKE_JOBS', doc: '`false`: accept and hand jobs to the cluster, run none here' },
  clusterQueue: { env: 'MEDIAFLEET_CLUSTER_QUEUE', doc: "the shared queue's name; agents share jobs only within one name" },
  deadmanS: { env: 'MEDIAFLEET_DEADMAN_S', shownDefault: 'unset (off)', doc: "dead-man switch of a rented Vast.ai instance: with no request from a token of the console's scope (`all-tenants`) for this many seconds, the agent destroys its own instance (see `agent/src/self-destroy/README.md`); 0 turns it off" },
  lifetimeCapS: { env: 'MEDIAFLEET_LIFETIME_CAP_S', shownDefault: 'unset (off)', doc: 'a rented instance destroys itself this many seconds after its agent first started on it, contact or not; 0 turns it off' },
  spendCapUsd: { env: 'MEDIAFLEET_SPEND_CAP_USD', shownDefault: 'unset (off)', doc: 'a rented instance destroys itself when `MEDIAFLEET_DPH_USD` × its uptime reaches this many dollars (without a rate the cap cannot be kept: the agent says so in its log and `/v1/health`); 0 turns it off' },
  dphUsd: { env: 'MEDIAFLEET_DPH_USD', shownDefault: 'unset', doc: "the rented instance's all-in rate in $/h (the offer's `dph_total`), which the console passes: the spend cap's rate" },
  selfDestroyDrainS: { env: 'MEDIAFLEET_SELF_DESTROY_DRAIN_S', doc: 'when the switch fires: seconds running jobs may take to finish before they are given back (failed with `SELF_DESTROYING`, so the console sends them elsewhere) and the instance is destroyed' },
  vastApiUrl: { env: 'MEDIAFLEET_VAST_API_URL', doc: "Vast.ai's API base the self-destroy call goes to (`DELETE <base>/instances/<CONTAINER_ID>/`); a test points it at the fake" },
  containerId: { env: 'CONTAINER_ID', shownDefault: 'unset', doc: "set by Vast.ai in every container: this instance's id. With `CONTAINER_API_KEY` and at least one limit above, the dead-man switch is armed. Vast's own name" },
  containerApiKey: { env: 'CONTAINER_API_KEY', shownDefault: 'unset', doc: 'set by Vast.ai in every container: a key that may destroy this instance only. Never logged or shown. Vast\'s own name' },
  onnxThreads: { env: 'MEDIAFLEET_ONNX_THREADS', doc: 'intra-op threads of each onnxruntime session (OCR)' },
  imageThreads: { env: 'MEDIAFLEET_IMAGE_THREADS', doc: 'libvips threads per worker (sharp)' },
  tesseractIdleMs: { env: 'MEDIAFLEET_TESSERACT_IDLE_MS', doc: 'an idle tesseract.js worker is ended after this long' },
  gpu: { env: 'MEDIAFLEET_GPU', doc: '`auto`: transcription (whisper.cpp) and OCR (onnxruntime) on the GPU where their CUDA builds load; `off`: the CPU only. `/v1/info` says per analysis which device runs it and why' },
  maxPixels: { env: 'MEDIAFLEET_MAX_PIXELS', doc: 'images declaring more pixels are refused (`PIXEL_LIMIT`) before decoding' },
  maxDurationSec: { env: 'MEDIAFLEET_MAX_DURATION_SEC', doc: 'longer audio and video are refused (`DURATION_LIMIT`)' },
  ffmpeg: { env: 'MEDIAFLEET_FFMPEG', shownDefault: 'unset', doc: 'the ffmpeg binary to use' },
  ffprobe: { env: 'MEDIAFLEET_FFPROBE', shownDefault: 'unset', doc: 'the ffprobe binary to use' },
  pocketsphinx: { env: 'MEDIAFLEET_POCKETSPHINX', shownDefault: '`pocketsphinx_continuous` on PATH', doc: 'the PocketSphinx CLI (the fallback decoder)' },
  pocketsphinxModel: { env: 'MEDIAFLEET_POCKETSPHINX_MODEL', shownDefault: "Debian's en-us model", doc: 'PocketSphinx model directory' },
  pocketsphinxLib: { env: 'MEDIAFLEET_POCKETSPHINX_LIB', shownDefault: '`libpocketsphinx.so.3`', doc: 'the PocketSphinx library loaded in process' },
  sphinxbaseLib: { env: 'MEDIAFLEET_SPHINXBASE_LIB', shownDefault: '`libsphinxbase.so.3`', doc: 'the sphinxbase library loaded in process' },
  pocketsphinxRuntime: { env: 'MEDIAFLEET_POCKETSPHINX_RUNTIME', doc: '`cli` forces the PocketSphinx CLI instead of the in-process library' },
  nsfwRules: { env: 'MEDIAFLEET_NSFW_RULES', shownDefault: '`agent/config/nsfw-rules.json`', doc: 'the rules that turn nsfw class scores into a verdict' },
  modelsDir: { env: 'MEDIAFLEET_MODELS_DIR', shownDefault: '`~/.cache/mediafleet/models`', doc: "the model manager's cache" },
  modelMirror: { env: 'MEDIAFLEET_MODEL_MIRROR', shownDefault: 'unset', doc: "a mirror (URL or folder) the model manager fetches from instead of each model's canonical address" },
  modelManifests: { env: 'MEDIAFLEET_MODEL_MANIFESTS', shownDefault: "the repository's `models/`", doc: 'the folder of model manifests' },
};

function defaults(): Omit<z.input<typeof AgentConfigSchema>, 'maxQueuePerTenant'> {
  return {
    host: '127.0.0.1',
    port: 8787,
    dataDir: path.resolve('.data/agent'),
    workers: Math.max(1, os.availableParallelism() - 1),
    workerNice: 19,
    maxQueueDepth: 1000,
    maxUploadBytes: 200 * 1024 * 1024,
    maxSyncUploadBytes: 10 * 1024 * 1024,
    jobTimeoutMs: 10 * 60_000,
    maxJobTimeoutMs: 4 * 3600_000,
    leaseMs: 30_000,
    maxAttempts: 3,
    personSimilarity: 0.55,
    agentId: os.hostname(),
    logLevel: 'info',
    benchImagesDir: path.resolve('../shared/fixtures/images'),
    warmUp: [...imageAnalysisNames],
    adminTenant: 'default',
    tls: 'off',
    uploadIdleMs: 30_000,
    uploadMinBytesPerSec: 64 * 1024,
    minFreeDiskBytes: 64 * 1024 * 1024,
    rateLimitPerMinute: 6000,
    maxEventLoopDelayMs: 2000,
    maxHeapUsedBytes: 0,
    retentionDays: 0,
    webhookAllowHttp: false,
    webhookAllowPrivate: false,
    webhookRetryForMs: 24 * 3600_000,
    webhookTimeoutMs: 10_000,
    clusterQueue: 'mediafleet',
    clusterTakesJobs: true,
    selfDestroyDrainS: 300,
    vastApiUrl: 'https://console.vast.ai/api/v0',
    onnxThreads: 1,
    imageThreads: 1,
    tesseractIdleMs: 5000,
    gpu: 'auto',
    maxPixels: 64_000_000,
    maxDurationSec: 4 * 3600,
    pocketsphinxRuntime: 'library',
    modelsDir: path.join(os.homedir(), '.cache', 'mediafleet', 'models'),
  };
}

/** A bad setting: the CLI reports it as a usage error. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(overrides: Partial<Record<SettingKey, unknown>> = {}, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const merged: Record<string, unknown> = { ...defaults() };
  for (const [key, { env: name }] of Object.entries(settingDocs)) {
    const value = env[name];
    if (value !== undefined && value !== '') merged[key] = value;
  }
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value;
  const parsed = AgentConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]);
    throw new ConfigError(`invalid setting ${key} (${settingDocs[key as SettingKey]?.env ?? key}): ${issue.message}`);
  }
  const data = parsed.data;
  return {
    ...data,
    maxQueuePerTenant: data.maxQueuePerTenant ?? Math.max(1, Math.ceil(data.maxQueueDepth / 2)),
    dataDir: path.resolve(data.dataDir),
    modelsDir: path.resolve(data.modelsDir),
  };
}

/**
 * Removes the pairing secret from the environment once the config holds it, so the worker threads and the media
 * tools the agent runs do not inherit it (config.ts is the one place that reads MEDIAFLEET_* variables).
 */
export function forgetPairingSecretInEnv(env: NodeJS.ProcessEnv = process.env): void {
  delete env[settingDocs.pairingSecret.env];
}

/** The settings a worker thread needs, taken from the validated config (they travel in its init data). */
export function analysisSettingsOf(config: AnalysisSettings): AnalysisSettings {
  return Object.fromEntries(analysisSettingKeys.filter((k) => config[k] !== undefined).map((k) => [k, config[k]])) as AnalysisSettings;
}

let currentAnalysisSettings: AnalysisSettings | undefined;

/** Sets the analysis settings of this thread (a worker from its init data, the CLI from its config). */
export function useAnalysisSettings(settings: AnalysisSettings): void {
  currentAnalysisSettings = settings;
}

/**
 * The analysis settings of this thread: the ones set with useAnalysisSettings, else (a library call from a test or
 * a script) the environment's, validated the same way.
 */
export function analysisSettings(): AnalysisSettings {
  currentAnalysisSettings ??= analysisSettingsOf(loadConfig());
  return currentAnalysisSettings;
}

/** The README's settings table (markdown), from settingDocs and the defaults. */
export function settingsTableMarkdown(): string {
  const shown = defaults() as Record<string, unknown>;
  const rows = Object.entries(settingDocs).map(([key, { env, shownDefault, doc }]) => {
    const value = shown[key];
    const def = shownDefault ?? (value === undefined ? 'unset' : `\`${Array.isArray(value) ? value.join(',') : String(value)}\``);
    return `| \`${env}\` | ${def} | ${doc} |`;
  });
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

let cachedVersion: string | undefined;

/**
 * The agent's version: `configured` (config.agentVersion, MEDIAFLEET_AGENT_VERSION, which images and units stamp)
 * when given, else the root package.json's.
 */
export function agentVersion(configured?: string): string {
  if (configured) return configured;
  if (cachedVersion) return cachedVersion;
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    cachedVersion = pkg.version ?? '0.0.0';
  } catch {
    cachedVersion = '0.0.0';
  }
  return cachedVersion;
}
