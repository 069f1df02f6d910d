// @vitest-environment jsdom
// A server's public login key in Settings, against a fake console that validates calls and answers with the
// contract: nothing is fetched until asked, the key and its fingerprint are shown with a copy button, an
// ssh-agent login says whose key it is, and a missing key shows the console's error with its code.
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { contractFakeTransport, FakeConsoleError } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { ServerPublicKey } from './ServerPublicKey.js';
import { renderWithConsole } from '../../../../test-harness/renderer/render-with-console.js';

const serverId = '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
const publicKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0aGVzZWFyZW5vdHJlYWxrZXlieXRlc2F0YWxsMDA mediafleet-web-1';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('ServerPublicKey', () => {
  it('asks for the key only when opened, shows it with its fingerprint, and copies it', async () => {
    const asked = vi.fn(() => ({ authKind: 'generate', publicKey, fingerprint: 'SHA256:abcDEF123' }));
    const writeText = vi.fn(async () => undefined);
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    renderWithConsole(<ServerPublicKey serverId={serverId} serverName="web 1" />, contractFakeTransport({ 'servers:public-key': asked }));
    expect(asked).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Show the public key for web 1' }));
    const field = (await screen.findByLabelText('public key')) as HTMLTextAreaElement;
    expect(field.value).toBe(publicKey);
    expect(screen.getByText('SHA256:abcDEF123')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(publicKey));
    expect((await screen.findByRole('status')).textContent).toBe('Copied.');
    fireEvent.click(screen.getByRole('button', { name: 'Hide' }));
    expect(screen.queryByLabelText('public key')).toBeNull();
  });

  it("says an ssh-agent login's key is the agent's", async () => {
    renderWithConsole(
      <ServerPublicKey serverId={serverId} serverName="web 1" />,
      contractFakeTransport({ 'servers:public-key': () => ({ authKind: 'agent', publicKey: null, fingerprint: null }) }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Show the public key for web 1' }));
    expect(await screen.findByText(/the key is the agent's/)).toBeTruthy();
  });

  it('shows why when the key cannot be read', async () => {
    renderWithConsole(
      <ServerPublicKey serverId={serverId} serverName="web 1" />,
      contractFakeTransport({
        'servers:public-key': () => {
          throw new FakeConsoleError('SSH_KEY_MISSING', 'No key for web 1 in the vault; remove the server and add it again.');
        },
      }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Show the public key for web 1' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/No key for web 1[\s\S]*SSH_KEY_MISSING/);
  });
});
