// @vitest-environment jsdom
// The Add server form against a fake console that checks every call with the contract's schemas: messages show
// for touched fields and go once fixed, nothing is sent while a field is wrong, the key is masked and read from
// a file, and an unreachable server can be kept to set up later.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contractFakeTransport, FakeConsoleError } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { renderWithConsole } from '../../../../test-harness/renderer/render-with-console.js';
import { useUiStore } from '../../state/ui-store.js';
import { AddServerForm } from './AddServerForm.js';

const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';
const summary = (i: { name: string; host: string; port: number; user: string }, reached: boolean) => ({
  id: '7c1d2e3f-0000-4000-8000-000000000000',
  ...i,
  authKind: 'key' as const,
  hostKeyFingerprint: null,
  createdAt: '2026-11-24T12:00:00.000Z',
  reached,
});

beforeEach(() => useUiStore.setState({ view: 'fleet', serverId: null }));
afterEach(cleanup);

describe('Add server form', () => {
  it('says what is wrong per field, clears it once fixed, and sends nothing until every field is right', async () => {
    const transport = contractFakeTransport({});
    renderWithConsole(<AddServerForm onDone={() => undefined} />, transport);
    const form = screen.getByRole('form', { name: 'add a server' });
    const host = within(form).getByLabelText('Host');
    fireEvent.change(host, { target: { value: 'root@203.0.113.10' } });
    expect(within(form).queryByText(/User field/)).toBeNull(); // not before the field is left
    fireEvent.blur(host);
    expect(within(form).getByText('Put the user in the User field; the host is only the address.')).toBeTruthy();
    expect(host.getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(host, { target: { value: '203.0.113.10' } });
    expect(within(form).queryByText(/User field/)).toBeNull();
    expect(host.getAttribute('aria-invalid')).toBe('false');
    fireEvent.change(within(form).getByLabelText('SSH port'), { target: { value: '65536' } });
    fireEvent.submit(form);
    expect(within(form).getByText('A port is between 1 and 65535; SSH usually listens on 22.')).toBeTruthy();
    expect(within(form).getByText(/Give the server a name/)).toBeTruthy();
    expect(transport.calls).toEqual([]);
  });

  it('masks the key, reads it from a file, and keeps a server that cannot be reached yet when asked', async () => {
    const transport = contractFakeTransport({
      'servers:add': (i: { name: string; host: string; port: number; user: string; keepIfUnreachable: boolean }) => {
        if (!i.keepIfUnreachable) throw new FakeConsoleError('SSH_CONNECT_FAILED', `Cannot connect to ${i.host}:${i.port}: connect ECONNREFUSED`);
        return summary(i, false);
      },
    });
    renderWithConsole(<AddServerForm onDone={() => undefined} />, transport);
    const form = screen.getByRole('form', { name: 'add a server' });
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'vps-later' } });
    fireEvent.change(within(form).getByLabelText('Host'), { target: { value: 'vps.example.com' } });
    fireEvent.click(within(form).getByLabelText('An existing private key'));
    const keyField = within(form).getByLabelText('Private key (kept in the vault, never in the database)');
    expect(keyField.className).toContain('masked');
    // jsdom's File has no text(); Chromium's has (the e2e test reads a real key file).
    const file = Object.assign(new File([key], 'id_ed25519', { type: '' }), { text: async () => key });
    await act(async () => {
      fireEvent.change(screen.getByTestId('key-file-input'), { target: { files: [file] } });
    });
    await waitFor(() => expect((keyField as HTMLTextAreaElement).value).toBe(key));
    expect(within(form).getByText('from id_ed25519')).toBeTruthy();
    fireEvent.click(within(form).getByRole('button', { name: 'Show key' }));
    expect(keyField.className).not.toContain('masked');

    fireEvent.submit(form);
    const alert = await within(form).findByRole('alert');
    expect(alert.getAttribute('data-code')).toBe('SSH_CONNECT_FAILED');
    expect(alert.textContent).toMatch(/The server cannot be reached over SSH[\s\S]*Cannot connect to vps\.example\.com:22/);
    fireEvent.click(within(form).getByRole('button', { name: 'Keep it and set it up later' }));
    await waitFor(() => expect(useUiStore.getState()).toMatchObject({ view: 'server', serverId: '7c1d2e3f-0000-4000-8000-000000000000' }));
    expect(transport.callsOf('servers:add')).toEqual([
      expect.objectContaining({ host: 'vps.example.com', port: 22, keepIfUnreachable: false, auth: { kind: 'key', privateKey: `${key}\n` } }),
      expect.objectContaining({ keepIfUnreachable: true }),
    ]);
  });

  it('with a password login, says why it cannot keep an unreachable server instead of offering to', async () => {
    const transport = contractFakeTransport({
      'servers:add': () => {
        throw new FakeConsoleError('SSH_TIMEOUT', 'Timed out connecting to 203.0.113.10:22.');
      },
    });
    renderWithConsole(<AddServerForm onDone={() => undefined} />, transport);
    const form = screen.getByRole('form', { name: 'add a server' });
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'vps' } });
    fireEvent.change(within(form).getByLabelText('Host'), { target: { value: '203.0.113.10' } });
    fireEvent.change(within(form).getByLabelText('Password (used once, never stored)'), { target: { value: 'pw' } });
    fireEvent.submit(form);
    await within(form).findByRole('alert');
    expect(within(form).queryByRole('button', { name: 'Keep it and set it up later' })).toBeNull();
    expect(within(form).getByText(/log in with an existing private key: a password is used once and not kept/)).toBeTruthy();
  });
});
