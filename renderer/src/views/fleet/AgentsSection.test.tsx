// @vitest-environment jsdom
// Adding an agent by URL: the form says what is wrong before sending, the console's refusal (checked against the
// agent) is shown with its next step, and an added agent is listed with where it came from.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeConsoleError, contractFakeTransport } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { renderWithConsole } from '../../../../test-harness/renderer/render-with-console.js';
import { AgentsSection, agentFormErrors } from './AgentsSection.js';

afterEach(cleanup);

describe('agents in Fleet', () => {
  it('checks the form as typed', () => {
    expect(agentFormErrors({ name: '', url: 'ftp://x', token: 'short' })).toEqual({
      name: 'Give the agent a name',
      url: 'An http:// or https:// address, e.g. https://agent.example.com',
      token: 'Paste a token made on the agent (npm run agent -- token create --scope submit)',
    });
    expect(agentFormErrors({ name: 'gpu', url: 'http://10.0.0.9:8080', token: 'mf_0123456789' })).toEqual({});
  });

  it("shows the console's refusal with its next step, then lists the agent once it is accepted", async () => {
    let listed: Array<Record<string, unknown>> = [{ id: 'local', name: 'This computer', kind: 'local', baseUrl: null }];
    let tries = 0;
    const transport = contractFakeTransport({
      'agents:list': () => listed,
      'agents:add': (input: { name: string; url: string }) => {
        if (tries++ === 0) throw new FakeConsoleError('NOT_AN_AGENT', `${input.url} answers, but not as a Mediafleet agent (HTTP 404)`);
        const added = { id: 'a1', name: input.name, kind: 'registered', baseUrl: input.url, origin: 'manual', costClass: 'fixed', serverId: null };
        listed = [...listed, added];
        return added;
      },
    });
    renderWithConsole(<AgentsSection />, transport);
    fireEvent.click(await screen.findByRole('button', { name: 'Add an agent by URL' }));
    const form = screen.getByRole('form', { name: 'add an agent' });
    fireEvent.click(within(form).getByRole('button', { name: 'Add the agent' }));
    expect(within(form).getByText('Give the agent a name')).toBeTruthy();
    expect(transport.callsOf('agents:add')).toHaveLength(0);
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'gpu-box' } });
    fireEvent.change(within(form).getByLabelText('URL'), { target: { value: 'http://10.0.0.9:8080' } });
    fireEvent.change(within(form).getByLabelText('Token'), { target: { value: 'mf_0123456789' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add the agent' }));
    expect((await within(form).findByRole('alert')).getAttribute('data-code')).toBe('NOT_AN_AGENT');
    fireEvent.click(within(form).getByRole('button', { name: 'Add the agent' }));
    const row = await screen.findByRole('listitem', { name: 'agent gpu-box' });
    expect(row.textContent).toMatch(/added by URL/);
    await waitFor(() => expect(screen.queryByRole('form', { name: 'add an agent' })).toBeNull());
  });
});
