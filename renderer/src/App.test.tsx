// @vitest-environment jsdom
// The console's frame keeps the address and the UI in step: an address opens its view (a reload stays), moving
// writes the address, Back returns; a read-only console says so above every view.
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from './App.js';
import { useUiStore } from './state/ui-store.js';
import { useFacesUi } from './views/faces/faces-ui-store.js';
import { contractFakeTransport } from '../../test-harness/renderer/contract-fake-transport.js';
import { renderWithConsole } from '../../test-harness/renderer/render-with-console.js';
import { sampleRequest } from '../../test-harness/renderer/sample-requests.js';

const request = sampleRequest(7, 'running', { requestId: 'req-7', fileName: 'team.jpg', progress: 0.4, agentStage: 'keyframe 12 of 80: faces' });

const answers = {
  'agents:local-status': () => ({ state: 'running', url: 'http://127.0.0.1:1', message: null }),
  'requests:list': () => [],
  'batches:list': () => [],
  'requests:erasures': () => [],
  'requests:get': (i: { requestId: string }) => ({ ...request, requestId: i.requestId, history: [] }),
  'agents:list': () => [{ id: 'local', name: 'This computer', kind: 'local', baseUrl: null }],
  'faces:persons': () => [],
  'audit:list': () => [],
};

beforeEach(() => {
  useUiStore.setState({ view: 'analyze', serverId: null, items: [], selectedId: null, unclaimed: new Map() });
  useFacesUi.setState({ agentId: 'local', chosen: null, openPersonId: null });
});
afterEach(() => {
  cleanup();
  history.replaceState(null, '', '/');
});

describe('the console frame', () => {
  it('opens the view its address names, writes the address when moving, and follows Back', async () => {
    history.replaceState(null, '', '/#/jobs');
    renderWithConsole(<App />, contractFakeTransport(answers));
    expect(await screen.findByRole('heading', { name: 'Jobs', level: 1 })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Audit log' }));
    expect(location.hash).toBe('#/audit');
    await act(async () => {
      history.back();
      await new Promise((r) => setTimeout(r, 50));
    });
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Jobs', level: 1 })).toBeTruthy());
    expect(location.hash).toBe('#/jobs');
  });

  it("a result's address opens that result: the console is asked for it, and its progress reads keyframe k of n", async () => {
    history.replaceState(null, '', '/#/analyze/req-7');
    const transport = contractFakeTransport(answers);
    renderWithConsole(<App />, transport);
    expect(await screen.findByText('team.jpg')).toBeTruthy();
    expect(screen.getByText('running: keyframe 12 of 80: faces')).toBeTruthy();
    expect(transport.callsOf('requests:get')).toEqual([{ requestId: 'req-7' }]);
    expect(location.hash).toBe('#/analyze/req-7');
  });

  it('a face search has its own address', async () => {
    history.replaceState(null, '', '/#/faces/local/face/f-9');
    renderWithConsole(<App />, contractFakeTransport(answers));
    await screen.findByRole('heading', { name: 'Faces & persons', level: 1 });
    expect(useFacesUi.getState().chosen).toEqual({ agentId: 'local', faceId: 'f-9', label: null });
    act(() => useFacesUi.getState().choose(null));
    expect(location.hash).toBe('#/faces/local');
  });

  it('a read-only console says so above every view', async () => {
    renderWithConsole(<App />, contractFakeTransport(answers, { readOnly: true }));
    for (const view of ['Fleet', 'Jobs', 'Faces', 'Audit log']) {
      fireEvent.click(screen.getByRole('button', { name: view }));
      expect(screen.getByTestId('read-only-banner').textContent).toMatch(/^Read-only console\. .*Nothing can be\s+changed from here/);
    }
  });
});
