// @vitest-environment jsdom
// The one operation component: an operation the console was running when it stopped shows as interrupted with
// its reason, and Resume (for a kind that can resume) continues it under the same id; live events move the bar
// forward only; read-only consoles see it all but cannot act.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { OperationRecord } from '../../../electron/core/contracts/operations.js';
import { contractFakeTransport } from '../../../test-harness/renderer/contract-fake-transport.js';
import { renderWithConsole } from '../../../test-harness/renderer/render-with-console.js';
import { OperationProgress } from './OperationProgress.js';

const record = (patch: Partial<OperationRecord>): OperationRecord => ({
  operationId: 'op-1',
  kind: 'provision',
  targetId: '6f1c2b1e-8a47-4c1e-9d0e-3b5f0f6a1c22',
  title: 'Provisioning',
  status: 'interrupted',
  resumable: true,
  startedAt: '2026-12-01T10:00:00.000Z',
  finishedAt: '2026-12-01T10:01:00.000Z',
  progress: 0.33,
  error: { code: 'INTERRUPTED', message: 'the console stopped while this was running' },
  detail: {},
  steps: [
    { stepId: 'service-user', title: 'Create the service user', status: 'applied', alreadySatisfied: false, error: null, updatedAt: '2026-12-01T10:00:10.000Z' },
    { stepId: 'docker', title: 'Install Docker', status: 'applying', alreadySatisfied: false, error: null, updatedAt: '2026-12-01T10:00:20.000Z' },
    { stepId: 'firewall', title: 'Firewall', status: 'pending', alreadySatisfied: false, error: null, updatedAt: '2026-12-01T10:00:00.000Z' },
  ],
  ...patch,
});

afterEach(cleanup);

describe('OperationProgress', () => {
  it('shows an interrupted operation with its reason and resumes it; then follows its live events', async () => {
    let current = record({});
    const transport = contractFakeTransport({
      'operations:status': () => current,
      'operations:events': () => [],
      'operations:resume': (i: { operationId: string }) => {
        current = record({ status: 'running', error: null, finishedAt: null });
        return i;
      },
    });
    renderWithConsole(<OperationProgress operationId="op-1" title="Provisioning" />, transport);
    const group = await screen.findByRole('group', { name: 'Provisioning operation' });
    await waitFor(() => expect(group.getAttribute('data-state')).toBe('interrupted'));
    expect(within(group).getByRole('alert').textContent).toMatch(/console stopped/);
    fireEvent.click(within(group).getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(transport.callsOf('operations:resume')).toEqual([{ operationId: 'op-1' }]));
    act(() => transport.emit('operation', { operationId: 'op-1', seq: 9, phase: 'start', progress: 0.33, line: 'Provisioning: resuming' }));
    await waitFor(() => expect(group.getAttribute('data-state')).toBe('running'));
    act(() => transport.emit('operation', { operationId: 'op-1', seq: 10, phase: 'docker:log', progress: 0.5 }));
    // An older event arriving late does not move the bar back.
    act(() => transport.emit('operation', { operationId: 'op-1', seq: 8, phase: 'docker:log', progress: 0.2 }));
    await waitFor(() => expect(within(group).getByRole('progressbar').getAttribute('aria-valuenow')).toBe('50'));
    expect(within(group).getByRole('button', { name: 'Cancel' })).toBeTruthy();
  });

  it('a kind that cannot resume offers no Resume; a read-only console cannot resume either', async () => {
    const transport = contractFakeTransport({ 'operations:status': () => record({ kind: 'deploy', resumable: false }), 'operations:events': () => [] });
    renderWithConsole(<OperationProgress operationId="op-1" title="Deploy" />, transport);
    const group = await screen.findByRole('group', { name: 'Deploy operation' });
    await waitFor(() => expect(group.getAttribute('data-state')).toBe('interrupted'));
    expect(within(group).queryByRole('button', { name: 'Resume' })).toBeNull();
    cleanup();
    const readOnly = contractFakeTransport({ 'operations:status': () => record({}), 'operations:events': () => [] }, { readOnly: true });
    renderWithConsole(<OperationProgress operationId="op-1" title="Provisioning" />, readOnly);
    const button = await screen.findByRole('button', { name: 'Resume' });
    expect((button as HTMLButtonElement).disabled).toBe(true);
  });
});
