// @vitest-environment jsdom
// Analyze sends a drop as one batch to where "Run on" says (the fleet by default, or one agent), selects the new
// drop, says on each row where the file ran, and lists the console's history of requests after a reload.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnalysisRequest } from '../../../../electron/core/contracts/requests.js';
import { contractFakeTransport } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { renderWithConsole } from '../../../../test-harness/renderer/render-with-console.js';
import { sampleRequest } from '../../../../test-harness/renderer/sample-requests.js';
import { useUiStore } from '../../state/ui-store.js';
import { AnalyzeView } from './AnalyzeView.js';

const agents = () => [
  { id: 'local', name: 'This computer', kind: 'local', baseUrl: null },
  { id: 'vps-1', name: 'vps-1', kind: 'registered', baseUrl: 'http://10.0.0.2:8080', origin: 'deployed', costClass: 'fixed', serverId: 's1' },
];

function consoleWith(history: AnalysisRequest[] = []) {
  let n = 0;
  const transport = contractFakeTransport({
    'agents:local-status': () => ({ state: 'running', url: 'http://127.0.0.1:1', message: null }),
    'agents:list': agents,
    'requests:list': () => history,
    'requests:submit': (input: { paths: string[]; target: { kind: string; agentId?: string } }) => {
      const requests = input.paths.map((path) =>
        sampleRequest(100 + n++, 'pending', { fileName: path.split('/').pop()!, path, batchId: 'b-new', agentId: null, agentName: null }),
      );
      return {
        batch: {
          batchId: 'b-new', label: 'drop', clientLabel: null, target: input.target, state: 'running', total: requests.length, done: 0, failed: 0, canceled: 0,
          remaining: requests.length, skipped: [], createdAt: '2026-01-01T12:00:00.000Z', finishedAt: null, filesPerHour: null, expectedEndAt: null,
        },
        requests,
      };
    },
  });
  // Stand-in for the headless console's upload: the file is "on the console" at a path named after it.
  transport.uploadFile = async (file) => ({ path: `/data/uploads/${file.name}`, name: file.name, bytes: file.size });
  return transport;
}

const drop = (names: string[]) => {
  const files = names.map((name) => new File([new Uint8Array([0xff, 0xd8, 0xff])], name, { type: 'image/jpeg' }));
  fireEvent.change(screen.getByTestId('file-input'), { target: { files } });
};

beforeEach(() => {
  useUiStore.setState({ view: 'analyze', items: [], selectedId: null, unclaimed: new Map() });
  URL.createObjectURL = () => 'blob:dropped';
});
afterEach(cleanup);

describe('Analyze', () => {
  it('sends a drop as one batch to the fleet by default, or to the agent picked in "Run on"', async () => {
    const transport = consoleWith();
    renderWithConsole(<AnalyzeView />, transport);
    await screen.findByRole('option', { name: 'vps-1' });
    drop(['a.jpg', 'b.jpg']);
    await waitFor(() => expect(transport.callsOf('requests:submit')).toHaveLength(1));
    expect(transport.callsOf('requests:submit')[0]).toMatchObject({ paths: ['/data/uploads/a.jpg', '/data/uploads/b.jpg'], target: { kind: 'fleet' } });

    fireEvent.change(screen.getByLabelText('Run on'), { target: { value: 'vps-1' } });
    drop(['c.jpg']);
    await waitFor(() => expect(transport.callsOf('requests:submit')).toHaveLength(2));
    expect(transport.callsOf('requests:submit')[1]).toMatchObject({ paths: ['/data/uploads/c.jpg'], target: { kind: 'agent', agentId: 'vps-1' } });
    // The newest drop is on top and selected.
    const rows = within(screen.getByRole('list', { name: 'files' })).getAllByRole('listitem');
    expect(rows.map((r) => r.querySelector('.file-name')!.textContent)).toEqual(['c.jpg', 'a.jpg', 'b.jpg']);
    expect(rows[0]!.className).toContain('selected');
  });

  it('says where each file ran and why, from the console\'s events', async () => {
    const transport = consoleWith();
    renderWithConsole(<AnalyzeView />, transport);
    drop(['a.jpg']);
    await waitFor(() => expect(useUiStore.getState().items[0]?.request).not.toBeNull());
    const sent = useUiStore.getState().items[0]!.request!;
    act(() =>
      useUiStore.getState().applyRequest({ ...sent, state: 'running', progress: 0.3, agentId: 'vps-1', agentName: 'vps-1', decision: 'earliest finish: vps-1, about 12 s' }),
    );
    const where = await screen.findByTestId('ran-on');
    expect(where.textContent).toBe('on vps-1');
    expect(where.getAttribute('title')).toBe('earliest finish: vps-1, about 12 s');
  });

  it('lists the console\'s history after a reload (no file in this window)', async () => {
    renderWithConsole(<AnalyzeView />, consoleWith([sampleRequest(2, 'done', { fileName: 'old.jpg' }), sampleRequest(1, 'failed', { fileName: 'broken.jpg' })]));
    expect(await screen.findByText('old.jpg')).toBeTruthy();
    expect(screen.getByText('broken.jpg')).toBeTruthy();
    expect(useUiStore.getState().items.every((i) => i.objectUrl === null)).toBe(true);
  });
});
