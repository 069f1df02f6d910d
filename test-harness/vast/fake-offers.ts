// The fake Vast.ai's market: offers generated from the seed with the fields Vast's search returns (and the
// official CLI prints), priced by the spec's arithmetic: storage_total_cost = disk × storage_cost / 720 and
// dph_total = dph_base + storage_total_cost, with the disk a search asks for (allocated_storage).
import type { SeededRandom } from './seeded-random.js';

export interface FakeMachine {
  machine_id: number;
  host_id: number;
  num_gpus: number;
  gpu_name: string;
  gpu_ram: number;
  gpu_arch: string;
  cpu_name: string;
  cpu_cores: number;
  cpu_cores_effective: number;
  cpu_ram: number;
  cpu_ghz: number;
  disk_space: number;
  disk_bw: number;
  dph_base: number;
  storage_cost: number;
  inet_up: number;
  inet_down: number;
  inet_up_cost: number;
  inet_down_cost: number;
  min_bid: number;
  reliability: number;
  verification: 'verified' | 'unverified';
  geolocation: string;
  direct_port_count: number;
  cuda_max_good: number;
  driver_version: string;
  pcie_bw: number;
  dlperf: number;
  total_flops: number;
  duration: number;
  static_ip: boolean;
  compute_cap: number;
}

/** An offer is an ask on a machine; renting consumes the ask, and destroying the instance lists a new one. */
export interface FakeOffer {
  id: number;
  machine: FakeMachine;
  rented: boolean;
}

const gpuModels = [
  { name: 'RTX 3060', ram: 12288, dph: 0.07, flops: 13, dlperf: 10, cap: 860 },
  { name: 'RTX 3090', ram: 24576, dph: 0.16, flops: 36, dlperf: 25, cap: 860 },
  { name: 'RTX 4090', ram: 24564, dph: 0.35, flops: 82, dlperf: 60, cap: 890 },
  { name: 'RTX A4000', ram: 16376, dph: 0.12, flops: 19, dlperf: 14, cap: 860 },
  { name: 'RTX A6000', ram: 49140, dph: 0.45, flops: 38, dlperf: 30, cap: 860 },
  { name: 'A100 SXM4', ram: 81920, dph: 1.1, flops: 19.5, dlperf: 90, cap: 800 },
  { name: 'H100 SXM', ram: 81559, dph: 2.2, flops: 60, dlperf: 200, cap: 900 },
] as const;

const places = ['Oslo, NO', 'Montreal, CA', 'Austin, US', 'Frankfurt, DE', 'Taipei, TW', 'Stockholm, SE', 'Lyon, FR', 'Warsaw, PL', 'Ohio, US', 'Tokyo, JP'];

export const fakeGpuNames: string[] = gpuModels.map((m) => m.name);

export function generateMachines(random: SeededRandom, count: number): FakeMachine[] {
  const machines: FakeMachine[] = [];
  for (let i = 0; i < count; i++) {
    const model = gpuModels[i % gpuModels.length];
    const numGpus = random.pick([1, 1, 1, 2, 4, 8]);
    const cores = random.pick([8, 16, 32, 64]) * Math.max(1, numGpus / 2);
    const dphBase = round(model.dph * numGpus * random.between(0.8, 1.4), 4);
    machines.push({
      machine_id: 10_000 + i * 7 + random.int(0, 6),
      host_id: 500 + random.int(0, 300),
      num_gpus: numGpus,
      gpu_name: model.name,
      gpu_ram: model.ram,
      gpu_arch: 'nvidia',
      cpu_name: random.pick(['AMD EPYC 7742 64-Core Processor', 'Intel Xeon Gold 6248R', 'AMD Ryzen 9 5950X 16-Core Processor']),
      cpu_cores: cores,
      cpu_cores_effective: round(cores * random.between(0.5, 1), 1),
      cpu_ram: random.pick([32, 64, 128, 256]) * 1000 * Math.max(1, numGpus / 2),
      cpu_ghz: round(random.between(2.2, 4.5), 1),
      disk_space: random.pick([60, 120, 250, 500, 1000, 2000]),
      disk_bw: round(random.between(500, 6000), 1),
      dph_base: dphBase,
      storage_cost: round(random.between(0.05, 0.3), 4),
      inet_up: round(random.between(100, 2000), 1),
      inet_down: round(random.between(100, 5000), 1),
      inet_up_cost: round(random.between(0, 0.02), 4),
      inet_down_cost: round(random.between(0, 0.02), 4),
      min_bid: round(dphBase * random.between(0.3, 0.6), 4),
      reliability: round(random.between(0.9, 0.9995), 4),
      verification: random.chance(0.8) ? 'verified' : 'unverified',
      geolocation: random.pick(places),
      direct_port_count: random.pick([0, 4, 20, 100, 500]),
      cuda_max_good: random.pick([11.8, 12.0, 12.2, 12.4, 12.6, 12.8]),
      driver_version: random.pick(['535.183.01', '550.120', '560.35.03', '570.86.10']),
      pcie_bw: round(random.between(3, 25), 1),
      dlperf: round(model.dlperf * numGpus * random.between(0.85, 1.05), 2),
      total_flops: round(model.flops * numGpus, 1),
      duration: random.int(3, 180) * 86400,
      static_ip: random.chance(0.5),
      compute_cap: model.cap,
    });
  }
  return machines;
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export type OfferType = 'on-demand' | 'bid' | 'reserved';

/** The offer as Vast's search answers it, priced for `allocatedStorageGb` of disk. */
export function offerView(offer: FakeOffer, allocatedStorageGb: number, type: OfferType): Record<string, unknown> {
  const m = offer.machine;
  const storageTotal = (allocatedStorageGb * m.storage_cost) / 720;
  const gpuPart = type === 'bid' ? m.min_bid : type === 'reserved' ? m.dph_base * 0.7 : m.dph_base;
  const dphTotal = gpuPart + storageTotal;
  return {
    id: offer.id,
    ask_contract_id: offer.id,
    bundle_id: offer.id,
    ...m,
    verified: m.verification === 'verified',
    rentable: !offer.rented,
    rented: offer.rented,
    external: false,
    is_bid: type === 'bid',
    storage_total_cost: storageTotal,
    dph_total: dphTotal,
    discounted_dph_total: type === 'reserved' ? dphTotal : undefined,
    dlperf_per_dphtotal: m.dlperf / dphTotal,
    flops_per_dphtotal: m.total_flops / dphTotal,
    score: m.dlperf * m.reliability,
    gpu_total_ram: m.gpu_ram * m.num_gpus,
    gpu_frac: 1,
    search: { gpuCostPerHour: gpuPart, diskHour: storageTotal, totalHour: dphTotal, discountTotalHour: 0, discountedTotalPerHour: dphTotal },
    instance: { gpuCostPerHour: gpuPart, diskHour: storageTotal, totalHour: dphTotal },
  };
}
