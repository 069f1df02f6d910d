// The offers "Add GPU" lists: Vast's search with the console's filters, each offer priced all in with the disk
// asked for (vast-spend.ts), sorted by that price, with a speed score. The score is Vast's DLPerf per all-in $/h:
// DLPerf alone favours the biggest machines, price alone the slowest; per dollar is what an operator compares.
import type { VastOfferSearch, VastOfferView } from '../contracts/vast.js';
import type { VastClient } from './vast-client.js';
import { parseOfferFilters, type ParsedOfferFilters } from './vast-offer-query.js';
import type { VastOffer } from './vast-schemas.js';
import { offerAllInHourlyUsd, storageHourlyUsd } from './vast-spend.js';

/** Rounded so a list of prices reads the same in every view (Vast prices to the 1/10000 $). */
const round = (n: number, digits: number): number => Number(n.toFixed(digits));

export function toOfferView(offer: VastOffer, filters: Pick<ParsedOfferFilters, 'diskGb' | 'type'>): VastOfferView {
  const gpu = filters.type === 'bid' ? (offer.minBid ?? offer.dphBase) : offer.dphBase;
  const disk = storageHourlyUsd(filters.diskGb, offer.storageCostPerGbMonth);
  const allIn = offerAllInHourlyUsd(offer, filters.diskGb, filters.type);
  return {
    offerId: offer.id,
    machineId: offer.machineId,
    gpuName: offer.gpuName,
    numGpus: offer.numGpus,
    gpuRamGb: offer.gpuRamMb === null ? null : round(offer.gpuRamMb / 1024, 1),
    cpuCores: offer.cpuCores,
    gpuUsdPerHour: round(gpu, 6),
    diskUsdPerHour: round(disk, 6),
    allInUsdPerHour: round(allIn, 6),
    reliability: offer.reliability,
    verified: offer.verified,
    location: offer.geolocation,
    countryCode: offer.countryCode,
    directPortCount: offer.directPortCount,
    cudaMaxGood: offer.cudaMaxGood,
    dlperf: offer.dlperf,
    speedScore: offer.dlperf !== null && allIn > 0 ? round(offer.dlperf / allIn, 1) : null,
  };
}

/** Cheapest all-in first; at one price the faster for the money, then the lower offer id (a stable order). */
export function sortOfferViews(views: VastOfferView[]): VastOfferView[] {
  return [...views].sort((a, b) => a.allInUsdPerHour - b.allInUsdPerHour || (b.speedScore ?? -1) - (a.speedScore ?? -1) || a.offerId - b.offerId);
}

/**
 * Validates the filters first (VAST_FILTER_OUT_OF_RANGE, before any call, and before the key is looked up), then
 * searches. `order: 'score'` picks which offers Vast returns (its best-scored); the list is still sorted by price.
 */
export async function searchOfferViews(client: () => Promise<VastClient>, rawFilters: unknown, signal?: AbortSignal): Promise<VastOfferSearch> {
  const filters = parseOfferFilters(rawFilters);
  const offers = await (await client()).searchOffers(filters, { signal });
  return { diskGb: filters.diskGb, type: filters.type, offers: sortOfferViews(offers.map((o) => toOfferView(o, filters))) };
}
