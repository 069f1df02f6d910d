// @vitest-environment jsdom
// Fleet › GPUs against a fake console that answers like the contract: without a Vast.ai key it says so and links to
// Settings; a card per open rental with its $/h, uptime and estimated spend; Destroy only after confirming; "Add GPU"
// checks the filters before searching, lists the offers with their all-in $/h and speed score, and Rent starts an
// operation shown with its progress; a read-only console lists and offers no button.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleMethods } from '../../../../electron/core/api.js';
import type { OperationRecord } from '../../../../electron/core/contracts/operations.js';
import type { OfferFilters, RentalView, VastOfferSearch, VastOfferView } from '../../../../electron/core/contracts/vast.js';
import { FakeConsoleError, contractFakeTransport } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { renderWithConsole } from '../../../../test-harness/renderer/render-with-console.js';
import { GpusSection } from './GpusSection.js';

afterEach(cleanup);

const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();

const rental = (patch: Partial<RentalView>): RentalView => ({
  rentalId: 'r-1',
  label: 'mediafleet-abc-r-1',
  operationId: 'op-0',
  attempt: 1,
  offerId: 7001,
  instanceId: 21000042,
  state: 'running',
  vastStatus: 'running',
  gpuName: 'RTX 4090',
  numGpus: 1,
  diskGb: 32,
  gpuUsdPerHour: 0.3,
  diskUsdPerHour: 0.05,
  totalUsdPerHour: 0.35,
  agentId: 'agent-gpu',
  agentName: 'gpu-rtx-4090-21000042',
  createdAt: hoursAgo(2.1),
  runningAt: hoursAgo(2),
  endedAt: null,
  endReason: null,
  lastError: null,
  idleSince: null,
  idleDestroyAt: null,
  ...patch,
});

const offer = (patch: Partial<VastOfferView>): VastOfferView => ({
  offerId: 7100,
  machineId: 10_001,
  gpuName: 'RTX 4090',
  numGpus: 1,
  gpuRamGb: 24,
  cpuCores: 16,
  gpuUsdPerHour: 0.31,
  diskUsdPerHour: 0.0089,
  allInUsdPerHour: 0.3189,
  reliability: 0.995,
  verified: true,
  location: 'Oslo, NO',
  countryCode: 'NO',
  directPortCount: 20,
  cudaMaxGood: 12.4,
  dlperf: 60,
  speedScore: 188.1,
  ...patch,
});

const rentOperation = (operationId: string): OperationRecord => ({
  operationId,
  kind: 'vast-rent',
  targetId: null,
  title: 'Rent a GPU on Vast.ai (offer 7200)',
  status: 'running',
  resumable: false,
  startedAt: new Date().toISOString(),
  finishedAt: null,
  progress: 0.2,
  error: null,
  detail: {},
  steps: [
    { stepId: 'vast.instance', title: 'Rent an instance and wait for its agent', status: 'applying', alreadySatisfied: false, error: null, updatedAt: new Date().toISOString() },
    { stepId: 'vast.register', title: 'Register the agent in the fleet', status: 'pending', alreadySatisfied: false, error: null, updatedAt: new Date().toISOString() },
  ],
});

/** The console's Vast.ai side behind the contract: rentals change with destroy, searches answer the offers given. */
function vastAnswers(options: { configured?: boolean; rentals?: RentalView[]; offers?: VastOfferView[]; rent?: () => unknown; defaultFilters?: OfferFilters | null } = {}) {
  let rentals = options.rentals ?? [];
  const operations: OperationRecord[] = [];
  let defaultFilters = options.defaultFilters ?? null;
  const settings = () => ({ gpuImage: 'ghcr.io/team/mediafleet-gpu:2.0', imageLogin: { configured: false }, defaultFilters });
  return {
    'vast:settings': settings,
    'vast:set-settings': (i: { defaultFilters?: OfferFilters | null }) => {
      if (i.defaultFilters !== undefined) defaultFilters = i.defaultFilters;
      return settings();
    },
    'vast:account': () => ({ configured: options.configured ?? true, email: null, creditUsd: null, error: null }),
    'vast:rentals': (i: { includeEnded: boolean; limit: number }) => rentals.filter((r) => i.includeEnded || !['destroyed', 'failed'].includes(r.state)).slice(0, i.limit),
    'vast:destroy': (i: { rentalId: string }) => {
      rentals = rentals.map((r) => (r.rentalId === i.rentalId ? { ...r, state: 'destroyed' as const, endedAt: new Date().toISOString(), endReason: 'operator' } : r));
      return { destroyed: true, alreadyGone: false };
    },
    'vast:search-offers': (f: { diskGb?: number }): VastOfferSearch => ({ diskGb: f.diskGb ?? 32, type: 'on-demand', offers: options.offers ?? [] }),
    'vast:rent': () => {
      if (options.rent) return options.rent();
      const op = rentOperation(`op-${operations.length + 1}`);
      operations.push(op);
      return { operationId: op.operationId };
    },
    'operations:list': () => operations.filter((o) => o.status === 'running'),
    'operations:status': (i: { operationId: string }) => operations.find((o) => o.operationId === i.operationId),
    'operations:events': () => [],
  };
}

describe('Fleet › GPUs', () => {
  it('says Vast.ai is not set up and links to Settings, without an Add GPU button', async () => {
    const transport = contractFakeTransport(vastAnswers({ configured: false }));
    renderWithConsole(<GpusSection />, transport);
    const section = await screen.findByRole('region', { name: 'GPUs' });
    const note = await within(section).findByRole('note');
    expect(note.textContent).toMatch(/Vast\.ai is not set up: save a Vast\.ai API key in Settings → GPUs \(Vast\.ai\) to rent GPUs/);
    expect(within(note).getByRole('link', { name: 'Settings → GPUs (Vast.ai)' }).getAttribute('href')).toBe('#/settings');
    expect(within(section).queryByRole('button', { name: 'Add GPU' })).toBeNull();
    // Drawing Fleet asks only whether a key is saved, not Vast.ai itself.
    expect(transport.callsOf('vast:account')).toEqual([{ checkWithVast: false }]);
  });

  it('shows a card per open rental with its price, uptime and estimated spend; ended rentals below', async () => {
    const transport = contractFakeTransport(
      vastAnswers({
        rentals: [
          rental({ idleSince: hoursAgo(0.05), idleDestroyAt: new Date(Date.now() + 7 * 60_000 + 30_000).toISOString() }),
          rental({ rentalId: 'r-2', instanceId: 21000050, state: 'booting', vastStatus: 'loading', gpuName: 'A100 SXM4', numGpus: 2, totalUsdPerHour: 2.4, runningAt: null, agentName: null }),
          rental({ rentalId: 'r-3', instanceId: 21000030, state: 'destroyed', runningAt: hoursAgo(5), endedAt: hoursAgo(4), endReason: 'operator' }),
          // An attempt that rented nothing (the offer was gone): no line.
          rental({ rentalId: 'r-4', instanceId: null, state: 'failed', runningAt: null, endedAt: hoursAgo(3), lastError: { code: 'VAST_OFFER_GONE', message: 'gone' } }),
        ],
      }),
    );
    renderWithConsole(<GpusSection />, transport);
    const card = await screen.findByRole('article', { name: 'GPU RTX 4090 21000042' });
    expect(card.textContent).toMatch(/running/);
    expect(card.textContent).toMatch(/PriceUSD 0\.3500 \/ h/);
    expect(card.textContent).toMatch(/Up2 h 00 min/);
    // 0.35 $/h × 2 h.
    expect(card.textContent).toMatch(/Spend so far≈ USD 0\.70/);
    expect(card.textContent).toMatch(/estimate \(\$\/h × time running\) until the ledger reconciles it with Vast\.ai's charges/);
    expect(card.textContent).toMatch(/gpu-rtx-4090-21000042/);
    expect(within(card).getByTestId('idle-countdown').textContent).toBe('idle 3 min; destroyed in 7 min unless work comes');
    const booting = screen.getByRole('article', { name: 'GPU 2× A100 SXM4 21000050' });
    expect(booting.textContent).toMatch(/booting/);
    expect(booting.textContent).toMatch(/Upnot running yet/);
    expect(booting.textContent).toMatch(/Spend so far–/);
    expect(screen.queryByTestId('rental-r-3')).toBeNull();
    const ended = screen.getByTestId('ended-r-3');
    expect(ended.textContent).toMatch(/instance 21000030.*destroyed.*ran 1 h 00 min.*≈ USD 0\.35/);
    expect(screen.queryByTestId('ended-r-4')).toBeNull();
  });

  it('destroys only after confirming; "Keep it" and Escape back out', async () => {
    const transport = contractFakeTransport(vastAnswers({ rentals: [rental({})] }));
    renderWithConsole(<GpusSection />, transport);
    const card = await screen.findByRole('article', { name: 'GPU RTX 4090 21000042' });
    fireEvent.click(within(card).getByRole('button', { name: 'Destroy RTX 4090 (instance 21000042)' }));
    const question = within(card).getByRole('alertdialog');
    expect(question.textContent).toMatch(/Destroy RTX 4090 \(instance 21000042\)\? Its agent leaves the fleet .* billing stops once Vast\.ai confirms it is gone/);
    expect(document.activeElement).toBe(within(question).getByRole('button', { name: 'Keep it' }));
    fireEvent.click(within(question).getByRole('button', { name: 'Keep it' }));
    fireEvent.click(within(card).getByRole('button', { name: 'Destroy RTX 4090 (instance 21000042)' }));
    fireEvent.keyDown(within(card).getByRole('alertdialog'), { key: 'Escape' });
    expect(within(card).queryByRole('alertdialog')).toBeNull();
    expect(transport.callsOf('vast:destroy')).toEqual([]);

    fireEvent.click(within(card).getByRole('button', { name: 'Destroy RTX 4090 (instance 21000042)' }));
    fireEvent.click(within(within(card).getByRole('alertdialog')).getByRole('button', { name: 'Destroy' }));
    await waitFor(() => expect(transport.callsOf('vast:destroy')).toEqual([{ rentalId: 'r-1' }]));
    // Confirmed gone: the card leaves, the rental is listed as ended.
    await waitFor(() => expect(screen.queryByRole('article', { name: 'GPU RTX 4090 21000042' })).toBeNull());
    expect((await screen.findByTestId('ended-r-1')).textContent).toMatch(/destroyed/);
  });

  it('shows why a destroy failed, with what to do', async () => {
    const answers = {
      ...vastAnswers({ rentals: [rental({})] }),
      'vast:destroy': () => {
        throw new FakeConsoleError('VAST_DESTROY_UNCONFIRMED', 'Vast.ai still lists instance 21000042 after the destroy.');
      },
    };
    renderWithConsole(<GpusSection />, contractFakeTransport(answers));
    const card = await screen.findByRole('article', { name: 'GPU RTX 4090 21000042' });
    fireEvent.click(within(card).getByRole('button', { name: 'Destroy RTX 4090 (instance 21000042)' }));
    fireEvent.click(within(within(card).getByRole('alertdialog')).getByRole('button', { name: 'Destroy' }));
    const alert = await within(card).findByRole('alert');
    expect(alert.getAttribute('data-code')).toBe('VAST_DESTROY_UNCONFIRMED');
    expect(alert.textContent).toMatch(/Press Destroy again/);
  });

  it('Add GPU checks the filters before searching, lists offers cheapest first with all-in $/h and speed score, and Rent shows the operation', async () => {
    const offers = [
      offer({ offerId: 7200, gpuName: 'RTX 3090', allInUsdPerHour: 0.1789, gpuUsdPerHour: 0.17, diskUsdPerHour: 0.0089, speedScore: 139.7, dlperf: 25, reliability: 0.991 }),
      offer({ offerId: 7100 }),
    ];
    const transport = contractFakeTransport(vastAnswers({ offers }));
    renderWithConsole(<GpusSection />, transport);
    fireEvent.click(await screen.findByRole('button', { name: 'Add GPU' }));
    const panel = await screen.findByRole('region', { name: 'Add GPU' });
    // The defaults are searched at once.
    await waitFor(() => expect(transport.callsOf('vast:search-offers')).toEqual([{ diskGb: 32, verifiedOnly: true, minDirectPorts: 1, limit: 30 }]));
    const table = await within(panel).findByRole('table', { name: 'offers' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.getAttribute('data-testid'))).toEqual(['offer-7200', 'offer-7100']);
    expect(rows[0]!.textContent).toMatch(/RTX 3090.*24 GB GPU RAM.*USD 0\.1789 \/ h.*GPU 0\.1700 \+ disk 0\.0089.*140.*DLPerf 25\.0.*99\.1 %.*Oslo, NO.*20/);

    const form = within(panel).getByRole('form', { name: 'offer filters' });
    fireEvent.change(within(form).getByLabelText('Max $/h, all in'), { target: { value: '-1' } });
    fireEvent.change(within(form).getByLabelText('Min reliability (%)'), { target: { value: '120' } });
    fireEvent.change(within(form).getByLabelText('Disk (GB)'), { target: { value: '4' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Search' }));
    expect(within(form).getByText('more than 0 and at most 1000 USD per hour')).toBeTruthy();
    expect(within(form).getByText('between 0 and 100 %')).toBeTruthy();
    expect(within(form).getByText('at least 8 GB (Vast.ai’s minimum) and at most 20000')).toBeTruthy();
    expect(transport.callsOf('vast:search-offers')).toHaveLength(1);

    fireEvent.change(within(form).getByLabelText('GPU model (any of, comma-separated)'), { target: { value: 'RTX 4090, RTX 3090 ' } });
    fireEvent.change(within(form).getByLabelText('Max $/h, all in'), { target: { value: '0,5' } });
    fireEvent.change(within(form).getByLabelText('Min reliability (%)'), { target: { value: '98' } });
    fireEvent.change(within(form).getByLabelText('Disk (GB)'), { target: { value: '64' } });
    fireEvent.click(within(form).getByLabelText('Verified machines only'));
    fireEvent.click(within(form).getByRole('button', { name: 'Search' }));
    const searched = { gpuNames: ['RTX 4090', 'RTX 3090'], maxDphTotal: 0.5, minReliability: 0.98, diskGb: 64, verifiedOnly: false, minDirectPorts: 1, limit: 30 };
    await waitFor(() => expect(transport.callsOf('vast:search-offers').at(-1)).toEqual(searched));
    expect(await within(panel).findByText(/2 offers, priced with 64 GB of disk/)).toBeTruthy();

    fireEvent.click(within(panel).getByRole('button', { name: 'Rent RTX 3090 at USD 0.1789 / h' }));
    // Renting goes on as an operation, shown with its progress and steps; the panel closes.
    const op = await screen.findByRole('group', { name: 'Renting RTX 3090 (offer 7200) operation' });
    // As the console's schema parsed it (its defaults filled in): the filters the offers were found with.
    expect(transport.callsOf('vast:rent')).toEqual([{ offerId: 7200, diskGb: 64, maxAttempts: 3, filters: { ...searched, order: 'price', type: 'on-demand' } }]);
    await waitFor(() => expect(op.getAttribute('data-state')).toBe('running'));
    expect(within(op).getByTestId('operation-steps').textContent).toMatch(/Rent an instance and wait for its agent/);
    expect(screen.queryByRole('region', { name: 'Add GPU' })).toBeNull();
    act(() => transport.emit('operation', { operationId: 'op-1', seq: 3, phase: 'vast.instance:log', progress: 0.4, line: 'booting: loading (45 s)' }));
    expect((await within(op).findByLabelText('Renting RTX 3090 (offer 7200) log')).textContent).toMatch(/booting: loading \(45 s\)/);
  });

  it('Add GPU starts from the default filters kept with "Keep as default"', async () => {
    const kept = { gpuNames: ['A100 SXM4'], maxDphTotal: 1.2, diskGb: 100, verifiedOnly: true, minDirectPorts: 1, limit: 30 };
    const transport = contractFakeTransport(vastAnswers({ offers: [offer({})], defaultFilters: kept }));
    renderWithConsole(<GpusSection />, transport);
    fireEvent.click(await screen.findByRole('button', { name: 'Add GPU' }));
    const panel = await screen.findByRole('region', { name: 'Add GPU' });
    await waitFor(() => expect(transport.callsOf('vast:search-offers')).toEqual([kept]));
    const form = within(panel).getByRole('form', { name: 'offer filters' });
    expect((within(form).getByLabelText('GPU model (any of, comma-separated)') as HTMLInputElement).value).toBe('A100 SXM4');
    expect((within(form).getByLabelText('Disk (GB)') as HTMLInputElement).value).toBe('100');

    // A filter out of range is not kept; a good one is, as the console's schema has it.
    fireEvent.change(within(form).getByLabelText('Disk (GB)'), { target: { value: '4' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Keep as default' }));
    expect(within(form).getByText('at least 8 GB (Vast.ai’s minimum) and at most 20000')).toBeTruthy();
    expect(transport.callsOf('vast:set-settings')).toEqual([]);
    fireEvent.change(within(form).getByLabelText('Disk (GB)'), { target: { value: '48' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Keep as default' }));
    expect((await within(form).findByRole('status')).textContent).toMatch(/Add GPU starts from these filters/);
    expect(transport.callsOf('vast:set-settings')).toEqual([{ defaultFilters: { ...kept, diskGb: 48, type: 'on-demand', order: 'price' } }]);
  });

  it('shows a refused rent in the panel with its next step, and nothing starts', async () => {
    const transport = contractFakeTransport(
      vastAnswers({
        offers: [offer({})],
        rent: () => {
          throw new FakeConsoleError('VAST_IMAGE_NOT_SET', 'No GPU image is set: set the GPU image reference in Settings → GPUs first.');
        },
      }),
    );
    renderWithConsole(<GpusSection />, transport);
    fireEvent.click(await screen.findByRole('button', { name: 'Add GPU' }));
    const panel = await screen.findByRole('region', { name: 'Add GPU' });
    fireEvent.click(await within(panel).findByRole('button', { name: 'Rent RTX 4090 at USD 0.3189 / h' }));
    const alert = await within(panel).findByRole('alert');
    expect(alert.getAttribute('data-code')).toBe('VAST_IMAGE_NOT_SET');
    expect(alert.textContent).toMatch(/Settings › GPUs \(Vast\.ai\)/);
    expect(screen.queryByRole('group', { name: /operation$/ })).toBeNull();
  });

  it('says when no offer matches', async () => {
    renderWithConsole(<GpusSection />, contractFakeTransport(vastAnswers({ offers: [] })));
    fireEvent.click(await screen.findByRole('button', { name: 'Add GPU' }));
    expect(await screen.findByText('No offer matches')).toBeTruthy();
  });

  it('a read-only console lists the GPUs with no Destroy and no Add GPU, and calls only reads', async () => {
    const transport = contractFakeTransport(vastAnswers({ rentals: [rental({})] }), { readOnly: true });
    renderWithConsole(<GpusSection />, transport);
    const card = await screen.findByRole('article', { name: 'GPU RTX 4090 21000042' });
    expect(card.textContent).toMatch(/Spend so far≈ USD 0\.70/);
    expect(within(card).queryByRole('button')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Add GPU' })).toBeNull();
    const methods = consoleMethods as Record<string, { readOnly: boolean }>;
    expect(transport.calls.filter((c) => !methods[c.method]!.readOnly)).toEqual([]);
  });
});
