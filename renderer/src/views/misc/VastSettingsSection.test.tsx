// @vitest-environment jsdom
// Settings › GPUs (Vast.ai) against a fake console that answers like the contract: the key field is masked, a key is
// saved only once the console's check with Vast.ai passed (then the account's e-mail and credit show, and the key is
// nowhere on the page), the GPU image and registry login are checked as typed and the login is never shown back, and
// a read-only console shows the state without any input.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleMethods } from '../../../../electron/core/api.js';
import type { VastImageLogin, VastSettingsView } from '../../../../electron/core/contracts/vast.js';
import { FakeConsoleError, contractFakeTransport } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { renderWithConsole } from '../../../../test-harness/renderer/render-with-console.js';
import type { OperationRecord } from '../../../../electron/core/contracts/operations.js';
import type { PublishedGpuImage } from '../../../../electron/core/contracts/gpu-image.js';
import { VastSettingsSection } from './VastSettingsSection.js';

afterEach(cleanup);

const goodKey = 'a3f9c0d2e1b4a5968778695a4b3c2d1e0f9e8d7c6b5a49382716059483726150';

/** The console's side: a key Vast.ai accepts, the settings, and the vault (which the view never sees into). */
function vastSettingsAnswers(initial: { key?: string | null; refusedNow?: boolean; settings?: VastSettingsView } = {}) {
  let key = initial.key ?? null;
  let settings: VastSettingsView = initial.settings ?? { gpuImage: null, imageLogin: { configured: false }, defaultFilters: null };
  const vault: { login: VastImageLogin | null } = { login: null };
  return {
    vault,
    answers: {
      'vast:save-key': (i: { apiKey: string }) => {
        if (i.apiKey !== goodKey) throw new FakeConsoleError('VAST_AUTH_FAILED', 'Vast.ai refused the API key while reading the account (Vast.ai said: Invalid user key).');
        key = i.apiKey;
        return { email: 'operator@example.com', creditUsd: 25 };
      },
      'vast:account': () =>
        !key
          ? { configured: false, email: null, creditUsd: null, error: null }
          : initial.refusedNow
            ? { configured: true, email: null, creditUsd: null, error: { code: 'VAST_AUTH_FAILED', message: 'Vast.ai refused the API key while reading the account.' } }
            : { configured: true, email: 'operator@example.com', creditUsd: 24.5, error: null },
      'vast:settings': () => settings,
      'gpu-image:get': () => ({ published: null }),
      'operations:list': () => [],
      'vast:set-settings': (i: { gpuImage?: string | null; imageLogin?: VastImageLogin | null; defaultFilters?: VastSettingsView['defaultFilters'] }) => {
        if (i.gpuImage !== undefined) settings = { ...settings, gpuImage: i.gpuImage };
        if (i.defaultFilters !== undefined) settings = { ...settings, defaultFilters: i.defaultFilters };
        if (i.imageLogin !== undefined) vault.login = i.imageLogin;
        settings = { ...settings, imageLogin: { configured: vault.login !== null } };
        return settings;
      },
    },
  };
}

describe('Settings › GPUs (Vast.ai)', () => {
  it('saves a key only after the console checked it with Vast.ai, then shows the account and credit, never the key', async () => {
    const { answers } = vastSettingsAnswers();
    const transport = contractFakeTransport(answers);
    renderWithConsole(<VastSettingsSection />, transport);
    const section = await screen.findByRole('region', { name: 'GPUs (Vast.ai)' });
    expect((await within(section).findByTestId('vast-account')).textContent).toMatch(/no key.*renting GPUs is off/);
    const form = within(section).getByRole('form', { name: 'Vast.ai API key' });
    const input = within(form).getByLabelText('API key (from vast.ai › Account › API keys)') as HTMLInputElement;
    expect(input.type).toBe('password');

    fireEvent.change(input, { target: { value: 'abc' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Check and save' }));
    expect(within(form).getByText('a Vast.ai API key is longer: copy the whole key from Account → API keys')).toBeTruthy();
    expect(transport.callsOf('vast:save-key')).toEqual([]);

    fireEvent.change(input, { target: { value: 'f'.repeat(64) } });
    fireEvent.click(within(form).getByRole('button', { name: 'Check and save' }));
    const refused = await within(form).findByRole('alert');
    expect(refused.getAttribute('data-code')).toBe('VAST_AUTH_FAILED');
    expect(refused.textContent).toMatch(/Vast\.ai refused the API key/);
    expect(within(section).getByTestId('vast-account').textContent).toMatch(/no key/);

    fireEvent.change(input, { target: { value: ` ${goodKey} ` } });
    fireEvent.click(within(form).getByRole('button', { name: 'Check and save' }));
    expect((await within(form).findByRole('status')).textContent).toBe('Saved. Vast.ai account operator@example.com, credit USD 25.00.');
    expect(transport.callsOf('vast:save-key').at(-1)).toEqual({ apiKey: goodKey });
    expect(input.value).toBe('');
    await waitFor(() => expect(within(section).getByTestId('vast-account').textContent).toMatch(/key saved.*operator@example\.com.*credit USD 24\.50/));
    expect(document.body.innerHTML).not.toContain(goodKey);
  });

  it('says when the saved key is refused by Vast.ai now', async () => {
    renderWithConsole(<VastSettingsSection />, contractFakeTransport(vastSettingsAnswers({ key: goodKey, refusedNow: true }).answers));
    const state = await screen.findByTestId('vast-account');
    expect(state.textContent).toMatch(/key saved, not accepted now/);
    expect(within(state).getByRole('alert').getAttribute('data-code')).toBe('VAST_AUTH_FAILED');
  });

  it('checks the GPU image and the registry login as typed, saves them, and never shows the login back', async () => {
    const { answers, vault } = vastSettingsAnswers({ key: goodKey, settings: { gpuImage: 'registry.example.com/team/mediafleet-gpu:1.0', imageLogin: { configured: false }, defaultFilters: null } });
    const transport = contractFakeTransport(answers);
    renderWithConsole(<VastSettingsSection />, transport);
    const form = await screen.findByRole('form', { name: 'GPU image' });
    const image = within(form).getByLabelText('GPU image reference (what Vast.ai pulls)') as HTMLInputElement;
    expect(image.value).toBe('registry.example.com/team/mediafleet-gpu:1.0');
    expect(form.textContent).toMatch(/none: a public image/);

    fireEvent.change(image, { target: { value: 'Registry.Example.com/Team/GPU' } });
    fireEvent.change(within(form).getByLabelText('Registry'), { target: { value: 'registry.example.com' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save image settings' }));
    expect(within(form).getByText(/not an image reference/)).toBeTruthy();
    expect(within(form).getByText('the registry user name')).toBeTruthy();
    expect(within(form).getByText('the password or access token')).toBeTruthy();
    expect(transport.callsOf('vast:set-settings')).toEqual([]);

    fireEvent.change(image, { target: { value: 'registry.example.com/team/mediafleet-gpu:1.1' } });
    fireEvent.change(within(form).getByLabelText('User name'), { target: { value: 'robot' } });
    const password = within(form).getByLabelText('Password or access token') as HTMLInputElement;
    expect(password.type).toBe('password');
    fireEvent.change(password, { target: { value: 'two words' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save image settings' }));
    expect(within(form).getByText(/use an access token without spaces/)).toBeTruthy();
    expect(transport.callsOf('vast:set-settings')).toEqual([]);

    fireEvent.change(password, { target: { value: 'tok-3n_secret' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save image settings' }));
    expect((await within(form).findByRole('status')).textContent).toMatch(/Saved\. New rentals use it/);
    expect(transport.callsOf('vast:set-settings')).toEqual([
      { gpuImage: 'registry.example.com/team/mediafleet-gpu:1.1', imageLogin: { registry: 'registry.example.com', username: 'robot', password: 'tok-3n_secret' } },
    ]);
    expect(vault.login?.password).toBe('tok-3n_secret');
    await waitFor(() => expect(form.textContent).toMatch(/Registry login saved/));
    expect(password.value).toBe('');
    expect(document.body.innerHTML).not.toContain('tok-3n_secret');

    fireEvent.click(within(form).getByRole('button', { name: 'Remove the registry login' }));
    await waitFor(() => expect(transport.callsOf('vast:set-settings').at(-1)).toEqual({ imageLogin: null }));
    await waitFor(() => expect(form.textContent).toMatch(/none: a public image/));
    expect(vault.login).toBeNull();
  });

  it('a read-only console shows the key, image and login state without any input, and only reads', async () => {
    const { answers } = vastSettingsAnswers({ key: goodKey, settings: { gpuImage: 'ghcr.io/team/mediafleet-gpu:2.0', imageLogin: { configured: true }, defaultFilters: null } });
    const transport = contractFakeTransport(answers, { readOnly: true });
    renderWithConsole(<VastSettingsSection />, transport);
    const section = await screen.findByRole('region', { name: 'GPUs (Vast.ai)' });
    expect((await within(section).findByTestId('vast-account')).textContent).toMatch(/key saved.*credit USD 24\.50/);
    const state = await within(section).findByTestId('vast-image-state');
    expect(state.textContent).toBe('GPU imageghcr.io/team/mediafleet-gpu:2.0Registry loginsaved');
    expect(within(section).queryByRole('textbox')).toBeNull();
    expect(section.querySelector('input')).toBeNull();
    expect(within(section).queryByRole('button')).toBeNull();
    expect(within(section).getByRole('note').textContent).toMatch(/read-only/);
    const methods = consoleMethods as Record<string, { readOnly: boolean }>;
    expect(transport.calls.filter((c) => !methods[c.method]!.readOnly)).toEqual([]);
  });

  it('builds and publishes the GPU image as an operation, saving a typed login first; the published image then shows', async () => {
    const { answers } = vastSettingsAnswers({ key: goodKey });
    const operations: OperationRecord[] = [];
    let published: PublishedGpuImage | null = null;
    const transport = contractFakeTransport({
      ...answers,
      'gpu-image:get': () => ({ published }),
      'deploy:set-registry-credentials': () => ({ ok: true }),
      'gpu-image:publish': (i: { image: string }) => {
        const now = new Date().toISOString();
        operations.push({ operationId: 'op-gpu', kind: 'gpu-image', targetId: null, title: `Publish ${i.image}`, status: 'running', resumable: false, startedAt: now, finishedAt: null, progress: 0.3, error: null, detail: {}, steps: [] });
        return { operationId: 'op-gpu' };
      },
      'operations:list': () => operations.filter((o) => o.status === 'running'),
      'operations:status': (i: { operationId: string }) => operations.find((o) => o.operationId === i.operationId),
      'operations:events': () => [],
    });
    renderWithConsole(<VastSettingsSection />, transport);
    const panel = await screen.findByRole('group', { name: 'publish the GPU image' });
    expect((await within(panel).findByTestId('gpu-image-published')).textContent).toMatch(/No GPU image was published/);
    const form = within(panel).getByRole('form', { name: 'build and publish the GPU image' });
    const target = within(form).getByLabelText('Publish as');
    const publishButton = within(form).getByRole('button', { name: 'Build and publish' });

    // Refused as typed, before any call: no registry named, a user without its password.
    fireEvent.change(target, { target: { value: 'mediafleet-gpu:1.0' } });
    fireEvent.click(publishButton);
    expect(within(form).getByText(/name the registry it goes to/)).toBeTruthy();
    fireEvent.change(target, { target: { value: 'registry.example.com/team/mediafleet-gpu:1.2' } });
    fireEvent.change(within(form).getByLabelText('Registry user (optional)'), { target: { value: 'robot' } });
    fireEvent.click(publishButton);
    expect(within(form).getByText(/give both the user name and the password/)).toBeTruthy();
    expect(transport.callsOf('gpu-image:publish')).toEqual([]);

    fireEvent.change(within(form).getByLabelText('Password or access token'), { target: { value: 'push-t0ken' } });
    fireEvent.click(publishButton);
    await waitFor(() => expect(transport.callsOf('gpu-image:publish')).toEqual([{ image: 'registry.example.com/team/mediafleet-gpu:1.2', credentialName: 'gpu-image-registry.example.com' }]));
    expect(transport.callsOf('deploy:set-registry-credentials')).toEqual([{ name: 'gpu-image-registry.example.com', serveraddress: 'registry.example.com', username: 'robot', password: 'push-t0ken' }]);
    const progress = await within(panel).findByRole('group', { name: 'Publishing the GPU image operation' });
    expect(progress.getAttribute('data-state')).toBe('running');
    expect(document.body.innerHTML).not.toContain('push-t0ken');

    // It succeeds: the published image shows, and the image field above follows the setting the core made.
    published = { image: 'registry.example.com/team/mediafleet-gpu:1.2', registry: 'registry.example.com', digest: `sha256:${'e'.repeat(64)}`, credentialName: 'gpu-image-registry.example.com', agentVersion: '0.1.0', cudaBaseImage: 'nvidia/cuda:12.4.1-runtime-ubuntu22.04', operationId: 'op-gpu', publishedAt: new Date().toISOString() };
    await transport.invoke('vast:set-settings', { gpuImage: `${published.image}@${published.digest}` });
    operations[0] = { ...operations[0]!, status: 'succeeded', progress: 1, finishedAt: new Date().toISOString() };
    act(() => transport.emit('operation', { operationId: 'op-gpu', seq: 9, phase: 'done', progress: 1, line: null, done: true }));
    await waitFor(() => expect(progress.getAttribute('data-state')).toBe('succeeded'), { timeout: 5000 });
    await waitFor(() => expect(within(panel).getByTestId('gpu-image-published').textContent).toMatch(/registry\.example\.com\/team\/mediafleet-gpu:1\.2.*sha256:eeee/));
    const imageField = screen.getByLabelText('GPU image reference (what Vast.ai pulls)') as HTMLInputElement;
    await waitFor(() => expect(imageField.value).toBe(`${published!.image}@${published!.digest}`));
  });

  it('shows the filters Add GPU starts from in words, and an operator can clear them', async () => {
    const defaultFilters = { gpuNames: ['RTX 4090', 'RTX 3090'], maxDphTotal: 0.6, diskGb: 64, verifiedOnly: false, minDirectPorts: 1, type: 'on-demand' as const, order: 'price' as const, limit: 30 };
    const { answers } = vastSettingsAnswers({ key: goodKey, settings: { gpuImage: null, imageLogin: { configured: false }, defaultFilters } });
    const transport = contractFakeTransport(answers);
    renderWithConsole(<VastSettingsSection />, transport);
    const line = await screen.findByTestId('vast-default-filters');
    expect(line.textContent).toMatch(/Add GPU starts from: RTX 4090 or RTX 3090 · at most USD 0\.60 \/ h all in · 64 GB disk · verified or not/);
    fireEvent.click(within(line).getByRole('button', { name: 'Clear' }));
    await waitFor(() => expect(line.textContent).toMatch(/the built-in filters/));
    expect(transport.callsOf('vast:set-settings')).toEqual([{ defaultFilters: null }]);
    expect(within(line).queryByRole('button')).toBeNull();
  });
});
