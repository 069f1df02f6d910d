// @vitest-environment jsdom
// Fleet › Automatic scaling against a fake console that answers like the contract: the policy in words and the latest
// decisions with their reasons and figures; an operator's form checks its fields before anything is sent and
// saves the policy as the contract takes it; a read-only console shows the policy and decisions with no form.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { AutoscaleDecision, AutoscalePolicy, AutoscalePolicyView } from '../../../../electron/core/contracts/autoscale.js';
import { FakeConsoleError, contractFakeTransport } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { renderWithConsole } from '../../../../test-harness/renderer/render-with-console.js';
import { AutoscalePanel } from './AutoscalePanel.js';

afterEach(cleanup);

const off: AutoscalePolicyView = { enabled: false, maxInstances: 1, filters: {}, backlogMinutes: 10, idleMinutes: 10, diskGb: 32, updatedAt: null };

const decisions: AutoscaleDecision[] = [
  {
    id: 3,
    at: '2026-11-10T10:05:00.000Z',
    action: 'refuse',
    reasonCode: 'FORECAST_OVER_BUDGET',
    message: 'Not renting: the backlog is 42 min (over 10 min), but offer 7100 at 0.319 USD/h for the rest of the month would bring the forecast to 312.40 USD, over the 300.00 USD budget.',
    figures: { backlogMinutes: 42.25, thresholdMinutes: 10, openRentals: 1, maxInstances: 2, forecast: 160.3, forecastWithNew: 312.4, limit: 300, currency: 'USD', offerId: 7100, offerUsdPerHour: 0.3189 },
    rentalId: null,
    operationId: null,
  },
  {
    id: 2,
    at: '2026-11-10T10:00:00.000Z',
    action: 'destroy',
    reasonCode: 'IDLE',
    message: 'Destroyed rental r-1: idle for 15 min (the idle limit is 15 min).',
    figures: { rentalId: 'r-1', idleMinutes: 15, openRentals: 0 },
    rentalId: 'r-1',
    operationId: null,
  },
];

function answers(options: { policy?: AutoscalePolicyView; onSave?: (p: AutoscalePolicy) => void } = {}) {
  let policy = options.policy ?? off;
  return {
    'autoscale:policy': () => policy,
    'autoscale:decisions': () => decisions,
    'autoscale:set-policy': (p: AutoscalePolicy) => {
      options.onSave?.(p);
      if ((p.filters as { maxDphTotal?: number }).maxDphTotal === 999) throw new FakeConsoleError('VAST_FILTER_OUT_OF_RANGE', 'Offer filter "maxDphTotal": too high.');
      policy = { ...p, updatedAt: new Date().toISOString() };
      return policy;
    },
  };
}

describe('Fleet › Automatic scaling', () => {
  it('shows the policy in words and the latest decisions with their reasons and figures', async () => {
    const policy: AutoscalePolicyView = { ...off, enabled: true, maxInstances: 2, filters: { gpuNames: ['RTX 4090'], maxDphTotal: 0.5 }, backlogMinutes: 10, idleMinutes: 15 };
    renderWithConsole(<AutoscalePanel />, contractFakeTransport(answers({ policy })));
    const section = await screen.findByRole('region', { name: 'Automatic scaling' });
    expect((await within(section).findByTestId('autoscale-summary')).textContent).toBe(
      'On: rents up to 2 × RTX 4090 up to USD 0.5000 / h (32 GB disk) while the backlog exceeds 10 min and the forecast stays under the budget; destroys a GPU idle 15 min.',
    );
    const list = await within(section).findByRole('list', { name: 'scaling decisions' });
    const items = within(list).getAllByRole('listitem');
    expect(items.map((li) => li.getAttribute('data-testid'))).toEqual(['decision-3', 'decision-2']);
    expect(items[0]!.textContent).toMatch(/^Refused.*would bring the forecast to 312\.40 USD, over the 300\.00 USD budget/);
    expect(items[0]!.textContent).toMatch(/backlog 42\.3 min \(threshold 10\) · GPUs 1 of 2 · forecast 160\.30, 312\.40 with it of 300\.00 USD · offer 7100 at 0\.319 USD\/h/);
    expect(items[1]!.textContent).toMatch(/^Destroyed.*idle for 15 min.*idle limit 15 min/);
  });

  it('checks the form before sending, then saves the policy as the contract takes it', async () => {
    const saved: AutoscalePolicy[] = [];
    const transport = contractFakeTransport(answers({ onSave: (p) => saved.push(p) }));
    renderWithConsole(<AutoscalePanel />, transport);
    const form = await screen.findByRole('form', { name: 'scaling policy' });
    expect(screen.getByTestId('autoscale-summary').textContent).toMatch(/^Off/);
    fireEvent.click(within(form).getByLabelText(/Scale GPUs automatically/));
    fireEvent.change(within(form).getByLabelText('At most (GPUs)'), { target: { value: '0' } });
    fireEvent.change(within(form).getByLabelText('Rent when the backlog exceeds (min)'), { target: { value: 'soon' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save policy' }));
    expect(within(form).getByText('a whole number of GPUs from 1 to 20')).toBeTruthy();
    expect(within(form).getByText('minutes of backlog, more than 0 (e.g. 10)')).toBeTruthy();
    expect(transport.callsOf('autoscale:set-policy')).toEqual([]);

    fireEvent.change(within(form).getByLabelText('At most (GPUs)'), { target: { value: '3' } });
    fireEvent.change(within(form).getByLabelText('Rent when the backlog exceeds (min)'), { target: { value: '20' } });
    fireEvent.change(within(form).getByLabelText('Destroy a GPU idle for (min)'), { target: { value: '5' } });
    fireEvent.change(within(form).getByLabelText('GPU model (any of, comma-separated)'), { target: { value: 'RTX 4090, RTX 3090' } });
    fireEvent.change(within(form).getByLabelText('Max $/h, all in'), { target: { value: '0,6' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save policy' }));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]).toEqual({
      enabled: true,
      maxInstances: 3,
      backlogMinutes: 20,
      idleMinutes: 5,
      diskGb: 32,
      filters: { gpuNames: ['RTX 4090', 'RTX 3090'], maxDphTotal: 0.6, verifiedOnly: true, minDirectPorts: 1, limit: 30 },
    });
    await waitFor(() => expect(screen.getByTestId('autoscale-summary').textContent).toMatch(/^On: rents up to 3 × RTX 4090 or RTX 3090 up to USD 0\.6000 \/ h/));
  });

  it('shows why the console refused a policy', async () => {
    renderWithConsole(<AutoscalePanel />, contractFakeTransport(answers()));
    const form = await screen.findByRole('form', { name: 'scaling policy' });
    fireEvent.change(within(form).getByLabelText('Max $/h, all in'), { target: { value: '999' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save policy' }));
    const alert = await within(form).findByRole('alert');
    expect(alert.getAttribute('data-code')).toBe('VAST_FILTER_OUT_OF_RANGE');
  });

  it('a read-only console shows the policy and the decisions, with no form', async () => {
    const transport = contractFakeTransport(answers(), { readOnly: true });
    renderWithConsole(<AutoscalePanel />, transport);
    expect(await screen.findByRole('list', { name: 'scaling decisions' })).toBeTruthy();
    expect(screen.getByTestId('autoscale-summary').textContent).toMatch(/^Off: GPUs are rented only by hand/);
    expect(screen.queryByRole('form', { name: 'scaling policy' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Save policy' })).toBeNull();
  });
});
