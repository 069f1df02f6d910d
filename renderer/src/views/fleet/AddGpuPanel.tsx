// Fleet › GPUs › Add GPU: filters (GPU model, max $/h, min reliability, disk), the matching Vast.ai offers cheapest
// first with their all-in $/h (GPU + the disk asked for) and speed score, and Rent, which starts a rental operation.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import {
  rentVastInstanceMethod,
  searchVastOffersMethod,
  setVastSettingsMethod,
  vastSettingsMethod,
  type OfferFilters,
  type VastOfferView,
} from '../../../../electron/core/contracts/vast.js';
import { useConsole } from '../../api/console-context.js';
import { Badge, EmptyState, ErrorNotice, asErrorInfo } from '../../components/common.js';
import { formFromOfferFilters, formatUsdPerHour, offerFiltersFromForm, type OfferFilterField, type OfferFilterForm } from './gpu-rentals.js';
import { OfferFilterInputs, VerifiedOnlyToggle } from './OfferFilterInputs.js';

function offerTitle(o: VastOfferView): string {
  return o.numGpus > 1 ? `${o.numGpus}× ${o.gpuName}` : o.gpuName;
}

function OffersTable({ offers, renting, onRent }: { offers: VastOfferView[]; renting: number | null; onRent: (offer: VastOfferView) => void }) {
  return (
    <table className="table offers-table" aria-label="offers">
      <thead>
        <tr>
          <th scope="col">GPU</th>
          <th scope="col" title="GPU + the disk asked for, per hour: what renting costs">
            All-in $/h
          </th>
          <th scope="col" title="Vast.ai's DLPerf (its estimate of deep-learning speed) per all-in $/h: higher is more speed for the money">
            Speed score
          </th>
          <th scope="col">Reliability</th>
          <th scope="col">Location</th>
          <th scope="col">Direct ports</th>
          <th scope="col">
            <span className="visually-hidden">Rent</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {offers.map((o) => (
          <tr key={o.offerId} data-testid={`offer-${o.offerId}`}>
            <td>
              <strong>{offerTitle(o)}</strong>
              <div className="muted">
                {o.gpuRamGb !== null ? `${o.gpuRamGb} GB GPU RAM` : 'GPU RAM unknown'}
                {o.cudaMaxGood !== null ? ` · CUDA ${o.cudaMaxGood}` : ''}
                {o.verified ? '' : ' · unverified'}
              </div>
            </td>
            <td>
              <strong>{formatUsdPerHour(o.allInUsdPerHour)}</strong>
              <div className="muted">
                GPU {o.gpuUsdPerHour.toFixed(4)} + disk {o.diskUsdPerHour.toFixed(4)}
              </div>
            </td>
            <td>
              {o.speedScore !== null ? o.speedScore.toFixed(0) : <span className="muted">unknown</span>}
              {o.dlperf !== null && <div className="muted">DLPerf {o.dlperf.toFixed(1)}</div>}
            </td>
            <td>{o.reliability !== null ? `${(o.reliability * 100).toFixed(1)} %` : <span className="muted">unknown</span>}</td>
            <td>{o.location ?? <span className="muted">unknown</span>}</td>
            <td>{o.directPortCount}</td>
            <td>
              <button type="button" className="small" disabled={renting !== null} aria-label={`Rent ${offerTitle(o)} at ${formatUsdPerHour(o.allInUsdPerHour)}`} onClick={() => onRent(o)}>
                {renting === o.offerId ? 'Starting…' : 'Rent'}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface AddGpuPanelProps {
  onRented: (rent: { operationId: string; title: string }) => void;
  onClose: () => void;
}

/** Starts from the operator's default filters (Settings → GPUs), or the built-in ones when none are kept. */
export function AddGpuPanel(props: AddGpuPanelProps) {
  const client = useConsole();
  const settings = useQuery({ queryKey: ['vast-settings'], queryFn: () => client.invoke(vastSettingsMethod, {}), retry: false });
  // Settings that cannot be read only lose the defaults: the built-in filters still search.
  if (settings.isPending) return <p className="muted">Loading the default filters…</p>;
  return <AddGpuForm {...props} initial={formFromOfferFilters(settings.data?.defaultFilters ?? null)} />;
}

function AddGpuForm({ onRented, onClose, initial }: AddGpuPanelProps & { initial: OfferFilterForm }) {
  const client = useConsole();
  const queryClient = useQueryClient();
  const headingId = useId();
  const [form, setForm] = useState<OfferFilterForm>(initial);
  const [errors, setErrors] = useState<Partial<Record<OfferFilterField, string>>>({});
  // The starting filters are searched at once: by default the cheapest verified offers with a direct port.
  const [searched, setSearched] = useState<OfferFilters | null>(() => offerFiltersFromForm(initial).filters);
  const keepAsDefault = useMutation({
    mutationFn: (filters: OfferFilters) => client.invoke(setVastSettingsMethod, { defaultFilters: filters }),
    onSuccess: (saved) => queryClient.setQueryData(['vast-settings'], saved),
  });
  const offers = useQuery({
    queryKey: ['vast-offers', searched],
    queryFn: () => client.invoke(searchVastOffersMethod, searched!),
    enabled: searched !== null,
    retry: false,
    staleTime: 30_000,
  });
  const rent = useMutation({
    mutationFn: (offer: VastOfferView) => client.invoke(rentVastInstanceMethod, { offerId: offer.offerId, diskGb: searched!.diskGb, filters: searched! }),
    onSuccess: (started, offer) => onRented({ operationId: started.operationId, title: `Renting ${offerTitle(offer)} (offer ${offer.offerId})` }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const result = offerFiltersFromForm(form);
    setErrors(result.errors ?? {});
    if (result.filters) {
      setSearched(result.filters);
      rent.reset();
    }
  };
  const list = offers.data?.offers ?? [];
  return (
    <section className="card add-gpu" aria-labelledby={headingId}>
      <div className="row">
        <h3 id={headingId}>Add GPU</h3>
        <span className="spacer" />
        <button type="button" className="small ghost" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted">
        Offers on Vast.ai, cheapest first. The price is all in: the GPU and the disk asked for, billed by the second while the GPU runs. The rented GPU
        joins the fleet as an agent and is destroyed when you press Destroy.
      </p>
      <form className="offer-filters" onSubmit={submit} aria-label="offer filters" noValidate>
        <div className="form-grid">
          <OfferFilterInputs form={form} errors={errors} onChange={(patch) => setForm({ ...form, ...patch })} />
        </div>
        <div className="row">
          <VerifiedOnlyToggle form={form} onChange={(patch) => setForm({ ...form, ...patch })} />
          <span className="spacer" />
          <button type="submit" disabled={offers.isFetching}>
            {offers.isFetching ? 'Searching…' : 'Search'}
          </button>
          <button
            type="button"
            className="ghost"
            disabled={keepAsDefault.isPending}
            title="Add GPU starts from these filters next time (Settings → GPUs shows and clears them)"
            onClick={() => {
              const result = offerFiltersFromForm(form);
              setErrors(result.errors ?? {});
              if (result.filters) keepAsDefault.mutate(result.filters);
            }}
          >
            Keep as default
          </button>
          {keepAsDefault.isSuccess && (
            <span role="status" className="muted">
              Kept: Add GPU starts from these filters.
            </span>
          )}
        </div>
        {keepAsDefault.error && <ErrorNotice error={asErrorInfo(keepAsDefault.error)} />}
      </form>
      {rent.error && <ErrorNotice error={asErrorInfo(rent.error)} />}
      {offers.error ? (
        <ErrorNotice error={asErrorInfo(offers.error)} onRetry={() => void offers.refetch()} />
      ) : offers.isLoading ? (
        <p className="muted">Searching Vast.ai… (it allows one search every few seconds)</p>
      ) : offers.isSuccess && list.length === 0 ? (
        <EmptyState title="No offer matches">Allow more GPU models, a higher price or a lower reliability, or allow unverified machines, and search again.</EmptyState>
      ) : (
        list.length > 0 && (
          <>
            <p className="muted" aria-live="polite">
              {list.length} offers, priced with {offers.data?.diskGb} GB of disk. <Badge tone="info">cheapest first</Badge>
            </p>
            <OffersTable offers={list} renting={rent.isPending ? (rent.variables?.offerId ?? null) : null} onRent={(offer) => rent.mutate(offer)} />
          </>
        )
      )}
    </section>
  );
}
