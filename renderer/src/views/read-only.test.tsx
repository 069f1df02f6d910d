// @vitest-environment jsdom
// A read-only console (support staff) disables every change up front, instead of letting a click fail.
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleMethods } from '../../../electron/core/api.js';
import type { ConsoleTransport } from '../api/transport.js';
import { AnalyzeView } from './analyze/AnalyzeView.js';
import { FleetView } from './fleet/FleetView.js';
import { renderWithConsole } from '../../../test-harness/renderer/render-with-console.js';

/** An in-memory transport answering like a read-only headless console with no servers yet. */
function readOnlyTransport(): ConsoleTransport & { calls: string[] } {
  const calls: string[] = [];
  const answers: Record<string, unknown> = {
    'agents:local-status': { state: 'stopped', url: null, message: null },
    'servers:list': [],
    'health:snapshot': [],
    'health:fleet-timeline': [],
    'alerts:list': [],
    'agents:list': [],
    'operations:list': [],
    'agents:dispatch-state': [],
    'requests:list': [],
    'vast:account': { configured: false, email: null, creditUsd: null, error: null },
    'vast:rentals': [],
    'autoscale:policy': { enabled: false, maxInstances: 1, filters: {}, backlogMinutes: 10, idleMinutes: 10, diskGb: 32, updatedAt: null },
    'autoscale:decisions': [],
  };
  return {
    kind: 'http',
    readOnly: true,
    calls,
    async invoke(method) {
      calls.push(method);
      return method in answers ? { ok: true, data: answers[method] } : { ok: false, error: { code: 'READ_ONLY', message: 'read-only' } };
    },
    subscribe: () => () => undefined,
    uploadFile: () => Promise.reject(new Error('read-only')),
  };
}

afterEach(cleanup);

describe('read-only console', () => {
  it('Analyze says analysing is off and offers no way to submit a file', () => {
    renderWithConsole(<AnalyzeView />, readOnlyTransport());
    expect(screen.getByText(/read-only: analysing files is turned off/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Choose files…' })).toBeNull();
  });

  it('Fleet disables "Add a server" and shows the empty state for a new user', async () => {
    const transport = readOnlyTransport();
    renderWithConsole(<FleetView />, transport);
    expect((screen.getByRole('button', { name: 'Add a server' }) as HTMLButtonElement).disabled).toBe(true);
    expect(await screen.findByText('No servers yet')).toBeTruthy();
    // Only reads: every method it called is one the contract allows a read-only console.
    const methods = consoleMethods as Record<string, { readOnly?: boolean }>;
    expect(transport.calls.filter((m) => !methods[m]?.readOnly)).toEqual([]);
  });
});
