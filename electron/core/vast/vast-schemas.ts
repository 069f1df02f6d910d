// The fields of Vast.ai's replies that the console uses, as zod schemas (extra fields are ignored), and their
// mapping to the console's own names. Vast's quirks are absorbed here: `public_ipaddr` with whitespace,
// `HostPort` as a string, `ports` absent or null until the instance runs, `{"instances":null}` for a gone
// instance, `extra_env` as [key, value] pairs.
import { z } from 'zod';

const num = z.number();
const optNum = z.number().nullish();
const optStr = z.string().nullish();
/** A number Vast sometimes sends as a string (ports, ids in some places). */
const numberish = z.union([z.number(), z.string().trim().regex(/^\d+(\.\d+)?$/).transform(Number)]);

export const RawOffer = z.object({
  id: z.number().int(),
  machine_id: z.number().int(),
  host_id: z.number().int().nullish(),
  num_gpus: num,
  gpu_name: z.string(),
  gpu_ram: optNum,
  cpu_ram: optNum,
  cpu_cores_effective: optNum,
  disk_space: num,
  dph_base: num,
  dph_total: num,
  storage_cost: num,
  storage_total_cost: optNum,
  inet_up_cost: optNum,
  inet_down_cost: optNum,
  min_bid: optNum,
  reliability: optNum,
  reliability2: optNum,
  verification: optStr,
  verified: z.boolean().nullish(),
  rentable: z.boolean().nullish(),
  rented: z.boolean().nullish(),
  geolocation: optStr,
  direct_port_count: optNum,
  cuda_max_good: optNum,
  dlperf: optNum,
  total_flops: optNum,
  score: optNum,
});
export type RawOffer = z.infer<typeof RawOffer>;

/** An offer as the console uses it. Money in USD; `dphTotal` already includes the disk searched for. */
export interface VastOffer {
  id: number;
  machineId: number;
  hostId: number | null;
  numGpus: number;
  gpuName: string;
  gpuRamMb: number | null;
  cpuRamMb: number | null;
  cpuCores: number | null;
  diskSpaceGb: number;
  dphBase: number;
  dphTotal: number;
  storageCostPerGbMonth: number;
  storageTotalCost: number | null;
  inetUpCostPerGb: number | null;
  inetDownCostPerGb: number | null;
  minBid: number | null;
  reliability: number | null;
  verified: boolean;
  /** "City, CC" as Vast writes it; null when unknown. */
  geolocation: string | null;
  countryCode: string | null;
  directPortCount: number;
  cudaMaxGood: number | null;
  dlperf: number | null;
  totalFlops: number | null;
}

export function toOffer(raw: RawOffer): VastOffer {
  const geolocation = raw.geolocation?.trim() || null;
  const cc = geolocation ? /(?:^|,\s*)([A-Z]{2})$/.exec(geolocation)?.[1] ?? null : null;
  return {
    id: raw.id,
    machineId: raw.machine_id,
    hostId: raw.host_id ?? null,
    numGpus: raw.num_gpus,
    gpuName: raw.gpu_name,
    gpuRamMb: raw.gpu_ram ?? null,
    cpuRamMb: raw.cpu_ram ?? null,
    cpuCores: raw.cpu_cores_effective ?? null,
    diskSpaceGb: raw.disk_space,
    dphBase: raw.dph_base,
    dphTotal: raw.dph_total,
    storageCostPerGbMonth: raw.storage_cost,
    storageTotalCost: raw.storage_total_cost ?? null,
    inetUpCostPerGb: raw.inet_up_cost ?? null,
    inetDownCostPerGb: raw.inet_down_cost ?? null,
    minBid: raw.min_bid ?? null,
    reliability: raw.reliability ?? raw.reliability2 ?? null,
    verified: raw.verified ?? raw.verification === 'verified',
    geolocation,
    countryCode: cc,
    directPortCount: raw.direct_port_count ?? 0,
    cudaMaxGood: raw.cuda_max_good ?? null,
    dlperf: raw.dlperf ?? null,
    totalFlops: raw.total_flops ?? null,
  };
}

export const SearchOffersReply = z.object({ offers: z.array(z.unknown()).nullish() });

const PortBinding = z.object({ HostIp: z.string().nullish(), HostPort: numberish });

export const RawInstance = z.object({
  id: z.number().int(),
  actual_status: optStr,
  intended_status: optStr,
  cur_state: optStr,
  next_state: optStr,
  status_msg: optStr,
  label: optStr,
  public_ipaddr: optStr,
  ports: z.record(z.string(), z.array(PortBinding).nullish()).nullish(),
  ssh_host: optStr,
  ssh_port: numberish.nullish(),
  machine_id: z.number().int().nullish(),
  host_id: z.number().int().nullish(),
  gpu_name: optStr,
  num_gpus: optNum,
  dph_base: optNum,
  dph_total: optNum,
  storage_cost: optNum,
  storage_total_cost: optNum,
  disk_space: optNum,
  start_date: optNum,
  image_uuid: optStr,
  is_bid: z.boolean().nullish(),
  geolocation: optStr,
  extra_env: z.array(z.tuple([z.string(), z.string().nullish()]).rest(z.unknown())).nullish(),
});
export type RawInstance = z.infer<typeof RawInstance>;

/** An instance as the console uses it. */
export interface VastInstance {
  id: number;
  /** Container state: null while the contract is provisioned, then created/loading/running/exited/... */
  actualStatus: string | null;
  intendedStatus: string | null;
  curState: string | null;
  nextState: string | null;
  statusMsg: string | null;
  label: string | null;
  /** Trimmed (Vast may append a newline); null until the instance runs. */
  publicIp: string | null;
  /** Container port ("8787/tcp") → host port, only the bindings Vast has published. */
  ports: Record<string, number>;
  sshHost: string | null;
  sshPort: number | null;
  machineId: number | null;
  gpuName: string | null;
  numGpus: number | null;
  dphBase: number | null;
  dphTotal: number | null;
  storageTotalCost: number | null;
  diskSpaceGb: number | null;
  /** Unix seconds. */
  startDate: number | null;
  image: string | null;
  isBid: boolean;
  extraEnv: Record<string, string>;
}

export function toInstance(raw: RawInstance): VastInstance {
  const ports: Record<string, number> = {};
  for (const [containerPort, bindings] of Object.entries(raw.ports ?? {})) {
    const hostPort = bindings?.find((b) => Number.isInteger(b.HostPort) && b.HostPort > 0)?.HostPort;
    if (hostPort !== undefined) ports[containerPort] = hostPort;
  }
  const extraEnv: Record<string, string> = {};
  for (const [key, value] of raw.extra_env ?? []) extraEnv[key] = value ?? '';
  return {
    id: raw.id,
    actualStatus: raw.actual_status ?? null,
    intendedStatus: raw.intended_status ?? null,
    curState: raw.cur_state ?? null,
    nextState: raw.next_state ?? null,
    statusMsg: raw.status_msg ?? null,
    label: raw.label ?? null,
    publicIp: raw.public_ipaddr?.trim() || null,
    ports,
    sshHost: raw.ssh_host?.trim() || null,
    sshPort: raw.ssh_port ?? null,
    machineId: raw.machine_id ?? null,
    gpuName: raw.gpu_name ?? null,
    numGpus: raw.num_gpus ?? null,
    dphBase: raw.dph_base ?? null,
    dphTotal: raw.dph_total ?? null,
    storageTotalCost: raw.storage_total_cost ?? (raw.disk_space != null && raw.storage_cost != null ? (raw.disk_space * raw.storage_cost) / 720 : null),
    diskSpaceGb: raw.disk_space ?? null,
    startDate: raw.start_date ?? null,
    image: raw.image_uuid ?? null,
    isBid: raw.is_bid ?? false,
    extraEnv,
  };
}

/** The host port Vast maps a container port to (`8787` or `"8787/udp"`), or null while not published. */
export function hostPortOf(instance: VastInstance, containerPort: number | string): number | null {
  const key = typeof containerPort === 'number' ? `${containerPort}/tcp` : containerPort.includes('/') ? containerPort : `${containerPort}/tcp`;
  return instance.ports[key] ?? null;
}

/** GET /api/v0/instances/{id}/: one object, or null once destroyed or unknown (some replies carry a list). */
export const ShowInstanceReply = z.object({ instances: z.union([z.array(z.unknown()), z.unknown()]).nullish() });

export const ListInstancesReply = z.object({
  instances: z.array(z.unknown()).nullish(),
  next_token: z.string().nullish(),
  total_instances: z.number().nullish(),
});

export const CreateInstanceReply = z.object({
  success: z.boolean().nullish(),
  new_contract: numberish.nullish(),
  instance_api_key: z.string().nullish(),
  error: optStr,
  msg: optStr,
});

/** Replies to stop/start/destroy: `{"success":true}`, sometimes with less. */
export const SuccessReply = z.object({ success: z.boolean().nullish(), error: optStr, msg: optStr, message: optStr });

export const RawAccount = z.object({
  id: z.number().int().nullish(),
  email: optStr,
  username: optStr,
  credit: numberish.nullish(),
  balance: numberish.nullish(),
  can_pay: z.boolean().nullish(),
});

export interface VastAccount {
  id: number | null;
  email: string | null;
  /** Remaining prepaid credit in USD (the spec's reading of `credit`). */
  credit: number;
  /** Vast's `balance`; its meaning and sign are not documented, so it is shown, never computed with. */
  balance: number | null;
  canPay: boolean | null;
}

export const RawCharge = z.object({
  source: optStr,
  type: optStr,
  day: optNum,
  amount: numberish,
  items: z.array(z.object({ type: optStr, amount: numberish.nullish() })).nullish(),
});

export const ChargesReply = z.object({ results: z.array(z.unknown()).nullish(), next_token: z.string().nullish() });

export interface VastCharge {
  /** Parsed from `source: "instance-<id>"`; null for charges not tied to an instance. */
  instanceId: number | null;
  source: string | null;
  type: string | null;
  /** Unix seconds of the day the charge belongs to, when Vast says. */
  day: number | null;
  amountUsd: number;
  items: Array<{ type: string | null; amountUsd: number }>;
}

export function toCharge(raw: z.infer<typeof RawCharge>): VastCharge {
  const id = raw.source ? /^instance-(\d+)$/.exec(raw.source.trim())?.[1] : undefined;
  return {
    instanceId: id ? Number(id) : null,
    source: raw.source ?? null,
    type: raw.type ?? null,
    day: raw.day ?? null,
    amountUsd: raw.amount,
    items: (raw.items ?? []).map((item) => ({ type: item.type ?? null, amountUsd: item.amount ?? 0 })),
  };
}

export const GpuNamesReply = z.object({ gpu_names: z.array(z.string()) });
