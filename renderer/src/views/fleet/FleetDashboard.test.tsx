// @vitest-environment jsdom
// The fleet dashboard draws the console's fleet timeline: one bar per minute of the last hour, where it belongs in
// time, the latest value said in words, and the minutes an agent was down marked.
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { FleetMinute } from '../../../../electron/core/contracts/health.js';
import { contractFakeTransport } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { renderWithConsole } from '../../../../test-harness/renderer/render-with-console.js';
import { FleetDashboard, minuteSlots } from './FleetDashboard.js';

afterEach(cleanup);

const now = Date.parse('2026-01-01T12:30:20Z');
const minute = (ago: number, extra: Partial<FleetMinute>): FleetMinute => ({
  bucketStart: new Date((Math.floor(now / 60_000) - ago) * 60_000).toISOString(),
  agents: 3,
  agentsDown: 0,
  queueDepth: 0,
  jobsPerMinute: 0,
  errorsPerMinute: 0,
  ...extra,
});

describe('minuteSlots', () => {
  it('places each minute by its time, oldest first, with gaps where nothing was sampled', () => {
    const slots = minuteSlots([minute(59, { queueDepth: 1 }), minute(2, { queueDepth: 5 }), minute(90, { queueDepth: 9 })], now);
    expect(slots).toHaveLength(60);
    expect(slots[0]).toMatchObject({ ago: 59, point: { queueDepth: 1 } });
    expect(slots[57]).toMatchObject({ ago: 2, point: { queueDepth: 5 } });
    expect(slots[59]).toEqual({ ago: 0, point: null });
    expect(slots.filter((s) => s.point)).toHaveLength(2);
  });
});

describe('FleetDashboard', () => {
  it('draws queue, finished and failed per minute, says the latest, and marks the minutes an agent was down', async () => {
    const transport = contractFakeTransport({
      'health:fleet-timeline': () => [
        minute(30, { queueDepth: 40, jobsPerMinute: 12, errorsPerMinute: 0 }),
        minute(10, { queueDepth: 20, jobsPerMinute: 30, errorsPerMinute: 3, agentsDown: 1 }),
        minute(1, { queueDepth: 5, jobsPerMinute: 24, errorsPerMinute: 1 }),
      ],
    });
    renderWithConsole(<FleetDashboard now={() => now} />, transport);
    const section = await screen.findByRole('region', { name: 'fleet, last hour' });
    const queue = within(section).getByTestId('fleet-queue-chart');
    expect(within(queue).getByRole('img').getAttribute('aria-label')).toBe('Queued: 5.0 jobs now, at most 40 in the last hour');
    const bars = [...queue.querySelectorAll('rect[data-minute]')];
    expect(bars.map((b) => b.getAttribute('data-minute'))).toEqual(['30', '10', '1']);
    // The tallest bar is the largest value; the others in proportion.
    const heights = bars.map((b) => Number(b.getAttribute('height')));
    expect(heights[0]).toBeGreaterThan(heights[1]!);
    expect(heights[1]! / heights[0]!).toBeCloseTo(0.5, 5);
    expect(within(section).getByTestId('fleet-throughput-chart').querySelectorAll('rect[data-minute]')).toHaveLength(3);
    expect(within(within(section).getByTestId('fleet-errors-chart')).getByRole('img').getAttribute('aria-label')).toBe('Failed: 1.0 jobs/min now, at most 3.0 in the last hour');
    // Minute 30 had no failure: no bar there.
    expect([...within(section).getByTestId('fleet-errors-chart').querySelectorAll('rect[data-minute]')].map((b) => b.getAttribute('data-minute'))).toEqual(['10', '1']);
    expect(queue.querySelectorAll('rect.agent-down')).toHaveLength(1);
    expect(queue.querySelector('rect.agent-down title')!.textContent).toBe('10 min ago: 1 of 3 agents down');
    expect(section.textContent).toContain('An agent was down in 1 of the last 60 minutes');
  });

  it('says when no agent has reported yet', async () => {
    renderWithConsole(<FleetDashboard now={() => now} />, contractFakeTransport({ 'health:fleet-timeline': () => [] }));
    expect(await screen.findByText('No agent has reported yet.')).toBeTruthy();
    expect(screen.getByTestId('fleet-queue-chart').querySelector('[role=img]')!.getAttribute('aria-label')).toBe('Queued: no data in the last hour');
  });
});
