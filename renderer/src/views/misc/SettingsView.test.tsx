// @vitest-environment jsdom
// Settings › Agent tokens against a fake console that answers like the contract: a new token's secret is shown
// once (with a copy button and a warning) and is gone when dismissed, the tenant is checked before asking the
// agent, revoking asks first and the console's own token cannot be revoked, a read-only console lists tokens
// with create and revoke turned off, and agent refusals show with their code.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AgentTokenRecord } from '../../../../electron/core/contracts/tokens.js';
import { contractFakeTransport, FakeConsoleError } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { SettingsView } from './SettingsView.js';
import { renderWithConsole } from '../../../../test-harness/renderer/render-with-console.js';

const secret = `mf_newtoken0001_${'S'.repeat(43)}`;
const agents = () => [
  { id: 'local', name: 'This computer', kind: 'local', baseUrl: null },
  { id: 'agent-2', name: 'gpu-box', kind: 'registered', baseUrl: 'https://gpu.example.test' },
];
const record = (over: Partial<AgentTokenRecord>): AgentTokenRecord => ({
  id: 'tok000000001',
  scope: 'submit',
  tenant: 'studio-a',
  label: null,
  createdAt: '2026-11-24T11:00:00.000Z',
  lastUsedAt: null,
  revokedAt: null,
  usedByConsole: false,
  ...over,
});
const consoleToken = record({ id: 'console00001', scope: 'admin', tenant: 'local', usedByConsole: true });

/** A fake agent's token list behind the contract methods, changed by create and revoke like the real one. */
function tokenAnswers(initial: AgentTokenRecord[]) {
  let tokens = [...initial];
  return {
    'agents:list': agents,
    'servers:list': () => [],
    'agents:local-status': () => ({ state: 'running', url: 'http://127.0.0.1:1', message: null }),
    'tokens:list': () => tokens,
    'tokens:create': (i: { scope: AgentTokenRecord['scope']; tenant: string; label?: string }) => {
      const created = record({ id: 'newtoken0001', scope: i.scope, tenant: i.tenant, label: i.label ?? null });
      tokens = [created, ...tokens];
      return { token: secret, record: created };
    },
    'tokens:revoke': (i: { tokenId: string }) => {
      tokens = tokens.map((t) => (t.id === i.tokenId ? { ...t, revokedAt: '2026-11-24T12:00:00.000Z' } : t));
      return tokens.find((t) => t.id === i.tokenId);
    },
  };
}

afterEach(() => {
  cleanup();
  Reflect.deleteProperty(navigator, 'clipboard');
});

describe('Settings › Agent tokens', () => {
  it('tells what a token is for when the agent has none besides the console’s own', async () => {
    renderWithConsole(<SettingsView />, contractFakeTransport(tokenAnswers([consoleToken])));
    const section = await screen.findByRole('region', { name: 'Agent tokens' });
    expect(await within(section).findByText('No tokens for other programs yet')).toBeTruthy();
    expect(section.textContent).toMatch(/lets a script or another program use this agent's API/);
    const own = within(section).getByTestId('token-console00001');
    expect(own.textContent).toMatch(/this console/);
    expect((within(own).getByRole('button', { name: /Revoke admin token/ }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('checks the tenant, creates a token, shows its secret once with a copy button and a warning, then hides it for good', async () => {
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const transport = contractFakeTransport(tokenAnswers([consoleToken]));
    renderWithConsole(<SettingsView />, transport);
    const section = await screen.findByRole('region', { name: 'Agent tokens' });
    const form = within(section).getByRole('form', { name: 'create a token' });
    await within(section).findByText('No tokens for other programs yet');

    fireEvent.change(within(form).getByLabelText('Tenant (whose jobs and faces it sees)'), { target: { value: '   ' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Create token' }));
    expect(await within(form).findByText('a tenant is required')).toBeTruthy();
    expect(transport.callsOf('tokens:create')).toEqual([]);

    fireEvent.change(within(form).getByLabelText('Scope'), { target: { value: 'read' } });
    fireEvent.change(within(form).getByLabelText('Tenant (whose jobs and faces it sees)'), { target: { value: ' studio-a ' } });
    fireEvent.change(within(form).getByLabelText('Label (optional)'), { target: { value: 'nightly import' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Create token' }));

    const shown = await within(section).findByRole('region', { name: 'new token' });
    expect(transport.callsOf('tokens:create')).toEqual([{ agentId: 'local', scope: 'read', tenant: 'studio-a', label: 'nightly import' }]);
    expect((within(shown).getByRole('textbox', { name: 'token secret' }) as HTMLInputElement).value).toBe(secret);
    expect(shown.textContent).toMatch(/New read token for studio-a \(nightly import\) on This computer/);
    expect(shown.textContent).toMatch(/will not be shown again/);
    fireEvent.click(within(shown).getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(secret));
    expect(await within(shown).findByText('Copied.')).toBeTruthy();

    // The list shows the new token without its secret, and the secret appears nowhere else.
    const row = await within(section).findByTestId('token-newtoken0001');
    expect(row.textContent).toMatch(/read.*studio-a.*nightly import/);
    expect(document.body.innerHTML.split(secret)).toHaveLength(2);

    fireEvent.click(within(shown).getByRole('button', { name: 'Done, hide it' }));
    expect(within(section).queryByRole('region', { name: 'new token' })).toBeNull();
    expect(document.body.innerHTML).not.toContain(secret);
  });

  it('revokes only after confirming; “Keep it” and Escape back out', async () => {
    const transport = contractFakeTransport(tokenAnswers([record({ label: 'uploader' }), consoleToken]));
    renderWithConsole(<SettingsView />, transport);
    const row = await screen.findByTestId('token-tok000000001');
    fireEvent.click(within(row).getByRole('button', { name: 'Revoke submit token uploader' }));
    const question = within(row).getByRole('alertdialog');
    expect(question.textContent).toMatch(/Revoke the submit token "uploader"\? Programs using it are refused from now on/);
    // The safe answer has the focus.
    expect(document.activeElement).toBe(within(question).getByRole('button', { name: 'Keep it' }));
    fireEvent.click(within(question).getByRole('button', { name: 'Keep it' }));
    fireEvent.click(within(row).getByRole('button', { name: 'Revoke submit token uploader' }));
    fireEvent.keyDown(within(row).getByRole('alertdialog'), { key: 'Escape' });
    expect(within(row).queryByRole('alertdialog')).toBeNull();
    expect(transport.callsOf('tokens:revoke')).toEqual([]);

    fireEvent.click(within(row).getByRole('button', { name: 'Revoke submit token uploader' }));
    fireEvent.click(within(within(row).getByRole('alertdialog')).getByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(transport.callsOf('tokens:revoke')).toEqual([{ agentId: 'local', tokenId: 'tok000000001' }]));
    await waitFor(() => expect(screen.getByTestId('token-tok000000001').textContent).toMatch(/revoked/));
    expect(within(screen.getByTestId('token-tok000000001')).queryByRole('button')).toBeNull();
  });

  it('lists the tokens of the agent picked, and shows a refusal with its code', async () => {
    const answers = tokenAnswers([consoleToken]);
    const transport = contractFakeTransport({
      ...answers,
      'tokens:list': (i: { agentId: string }) => {
        if (i.agentId === 'agent-2') throw new FakeConsoleError('AGENT_NOT_ADMIN', "the console's token for gpu-box lacks the admin scope that token administration needs");
        return answers['tokens:list']();
      },
    });
    renderWithConsole(<SettingsView />, transport);
    const section = await screen.findByRole('region', { name: 'Agent tokens' });
    await within(section).findByTestId('token-console00001');
    fireEvent.change(within(section).getByRole('combobox', { name: 'Agent' }), { target: { value: 'agent-2' } });
    const alert = await within(section).findByRole('alert');
    expect(alert.textContent).toMatch(/lacks the admin scope[\s\S]*AGENT_NOT_ADMIN/);
    expect(transport.callsOf('tokens:list')).toEqual([{ agentId: 'local' }, { agentId: 'agent-2' }]);
  });

  it('read-only: tokens listed, create and revoke turned off with a hint', async () => {
    const transport = contractFakeTransport(tokenAnswers([record({ label: 'uploader' }), consoleToken]), { readOnly: true });
    renderWithConsole(<SettingsView />, transport);
    const section = await screen.findByRole('region', { name: 'Agent tokens' });
    const row = await within(section).findByTestId('token-tok000000001');
    expect(within(section).getByText(/read-only: tokens are listed, but creating or revoking one needs a console with full control/)).toBeTruthy();
    const revoke = within(row).getByRole('button', { name: 'Revoke submit token uploader' }) as HTMLButtonElement;
    expect(revoke.disabled).toBe(true);
    fireEvent.click(revoke);
    expect(within(row).queryByRole('alertdialog')).toBeNull();
    const form = within(section).getByRole('form', { name: 'create a token' });
    expect((within(form).getByRole('button', { name: 'Create token' }) as HTMLButtonElement).closest('fieldset')!.disabled).toBe(true);
    expect((within(form).getByLabelText('Tenant (whose jobs and faces it sees)') as HTMLInputElement).closest('fieldset')!.disabled).toBe(true);
    expect(transport.callsOf('tokens:create')).toEqual([]);
    expect(transport.callsOf('tokens:revoke')).toEqual([]);
  });
});
