// @vitest-environment jsdom
// The Server view's containers, deploy and HTTPS panels against a fake console that answers like the
// contract (its zod schemas, its error envelopes, its 'operation' events).
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ContainersPanel } from './ContainersPanel.js';
import { contractFakeTransport, FakeConsoleError, type FakeAnswer } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { DeployPanel } from './DeployPanel.js';
import { HttpsPanel } from './HttpsPanel.js';
import { renderWithConsole } from '../../../../test-harness/renderer/render-with-console.js';

const serverId = '6f1c2b1e-8a47-4c1e-9d0e-3b5f0f6a1c22';
const now = new Date('2026-11-24T12:00:00Z');
const at = (days: number) => new Date(now.getTime() + days * 86_400_000).toISOString();

const containers = {
  containers: [
    { id: 'c1', name: 'mediafleet-agent-blue', image: 'mediafleet/agent:0.2.0', version: '0.2.0', port: 8701, deployedAt: at(-1), running: true, state: 'running' },
    { id: 'c0', name: 'mediafleet-agent-green', image: 'mediafleet/agent:0.1.0', version: '0.1.0', port: 8702, deployedAt: at(-9), running: false, state: 'exited' },
  ],
};

/** An operation record as operations:status returns it. */
const run = (operationId: string, status: 'running' | 'succeeded' | 'failed' | 'canceled', kind: 'deploy' | 'provision' | 'ssl' = 'deploy') => ({
  operationId,
  kind,
  targetId: serverId,
  title: 'Deploy',
  status,
  resumable: false,
  startedAt: at(0),
  finishedAt: status === 'running' ? null : at(0),
  progress: null,
  error: null,
  detail: {},
  steps: [
    { stepId: 'transfer', title: 'Transfer the image', status: status === 'running' ? 'applying' : 'applied', alreadySatisfied: false, error: null, updatedAt: at(0) },
    { stepId: 'health', title: 'Wait for health', status: status === 'failed' ? 'failed' : status === 'running' ? 'pending' : 'applied', alreadySatisfied: false, error: status === 'failed' ? 'no answer on /v1/health' : null, updatedAt: at(0) },
  ],
});

afterEach(cleanup);

describe('Containers panel', () => {
  it('lists the containers with state, version and port, shows resource use, and fetches logs with the chosen tail', async () => {
    const transport = contractFakeTransport({
      'deploy:containers': () => containers,
      'deploy:stats': () => ({ cpuPercent: 12.5, memoryBytes: 512 * 1024 ** 2, memoryLimitBytes: 2 * 1024 ** 3, pids: 23 }),
      'deploy:logs': (i: { tail: number }) => ({ text: `listening on 8701\n(${i.tail} lines asked)` }),
    });
    renderWithConsole(<ContainersPanel serverId={serverId} />, transport);
    const table = await screen.findByRole('table', { name: 'agent containers' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual([expect.stringMatching(/mediafleet-agent-blue.*running.*0\.2\.0.*8701/), expect.stringMatching(/mediafleet-agent-green.*exited.*0\.1\.0.*8702/)]);
    const usage = await screen.findByLabelText('agent resource use');
    expect(usage.textContent).toMatch(/12\.5 %.*512 MB of 2\.0 GB.*23/);

    fireEvent.change(screen.getByLabelText('log tail'), { target: { value: '1000' } });
    fireEvent.change(screen.getByLabelText('log container'), { target: { value: 'c0' } });
    expect(transport.callsOf('deploy:logs')).toHaveLength(0); // logs are fetched on request only
    fireEvent.click(screen.getByRole('button', { name: 'Show logs' }));
    expect((await screen.findByLabelText('container logs')).textContent).toContain('(1000 lines asked)');
    expect(transport.callsOf('deploy:logs')).toEqual([{ serverId, containerId: 'c0', tail: 1000 }]);
  });

  it('says what to do when the console has no containers method yet, instead of breaking', async () => {
    renderWithConsole(<ContainersPanel serverId={serverId} />, contractFakeTransport({}));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('NOT_IMPLEMENTED');
    expect(alert.textContent).toContain('not in this build yet');
  });

  it('tells a new server has no agent container yet', async () => {
    renderWithConsole(<ContainersPanel serverId={serverId} />, contractFakeTransport({ 'deploy:containers': () => ({ containers: [] }) }));
    expect(await screen.findByText(/No agent container on this server yet/)).toBeTruthy();
  });
});

describe('Deploy panel', () => {
  function deployFake(extra: Record<string, FakeAnswer> = {}) {
    let status: 'running' | 'succeeded' | 'failed' | 'canceled' = 'running';
    const transport = contractFakeTransport({
      'deploy:get-settings': () => ({ settings: { domain: 'agent.example.com', agentImage: 'mediafleet/agent', agentVersion: '0.2.0' } }),
      'deploy:agent': () => ({ operationId: 'op-deploy' }),
      'deploy:rollback': () => ({ operationId: 'op-rollback' }),
      'deploy:restart': () => ({ operationId: 'op-restart' }),
      'operations:status': (i: { operationId: string }) => run(i.operationId, status),
      'operations:events': () => [],
      'operations:cancel': () => {
        status = 'canceled';
        return { canceled: true };
      },
      ...extra,
    });
    return { transport, finish: (s: typeof status) => (status = s) };
  }

  it('checks the version against the contract before sending anything', async () => {
    const { transport } = deployFake();
    renderWithConsole(<DeployPanel serverId={serverId} />, transport);
    fireEvent.change(await screen.findByLabelText('Version'), { target: { value: 'not a version!' } });
    fireEvent.click(screen.getByRole('button', { name: 'Deploy' }));
    // In plain words, never zod's ("Invalid string: must match pattern …").
    expect(await screen.findByText('Letters, digits, dots, hyphens, underscores and plus signs, starting with a letter or digit.')).toBeTruthy();
    expect(transport.callsOf('deploy:agent')).toHaveLength(0);
  });

  it('deploys by SSH transfer, shows live progress and log, and cancels the running operation', async () => {
    const { transport } = deployFake();
    renderWithConsole(<DeployPanel serverId={serverId} />, transport);
    fireEvent.change(await screen.findByLabelText('Version'), { target: { value: '0.3.0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Deploy' }));
    const op = await screen.findByRole('group', { name: 'Deploy operation' });
    expect(transport.callsOf('deploy:agent')).toEqual([{ serverId, image: 'mediafleet/agent', version: '0.3.0', source: { kind: 'transfer' } }]);
    act(() => transport.emit('operation', { operationId: 'op-deploy', seq: 0, phase: 'transfer:apply', progress: 0.4, line: 'docker save | docker load: 40 MB of 100 MB' }));
    act(() => transport.emit('operation', { operationId: 'someone-else', seq: 1, phase: 'x', progress: 0.9, line: 'not ours' }));
    await waitFor(() => expect(within(op).getByRole('progressbar', { name: 'Deploy progress' }).getAttribute('aria-valuenow')).toBe('40'));
    expect(within(op).getByLabelText('Deploy log').textContent).toBe('docker save | docker load: 40 MB of 100 MB');
    expect((screen.getByRole('button', { name: 'Deploy' }) as HTMLButtonElement).disabled).toBe(true); // one operation at a time

    fireEvent.click(within(op).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(transport.callsOf('operations:cancel')).toEqual([{ operationId: 'op-deploy' }]));
    act(() =>
      transport.emit('operation', { operationId: 'op-deploy', seq: 2, phase: 'canceled', progress: null, done: true, error: { code: 'CANCELED', message: 'Deploy canceled.' } }),
    );
    await waitFor(() => expect(op.getAttribute('data-state')).toBe('canceled'));
    expect(within(op).queryByRole('button', { name: 'Cancel' })).toBeNull();
    await waitFor(() => expect((screen.getByRole('button', { name: 'Deploy' }) as HTMLButtonElement).disabled).toBe(false));
  });

  it('shows why a deploy failed: the failed step and the error event', async () => {
    const { transport, finish } = deployFake();
    renderWithConsole(<DeployPanel serverId={serverId} />, transport);
    fireEvent.change(await screen.findByLabelText('Version'), { target: { value: '0.3.0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Deploy' }));
    const op = await screen.findByRole('group', { name: 'Deploy operation' });
    finish('failed');
    act(() =>
      transport.emit('operation', {
        operationId: 'op-deploy',
        seq: 5,
        phase: 'failed',
        progress: null,
        done: true,
        error: { code: 'DEPLOY_UNHEALTHY', message: 'the new agent did not answer /v1/health; the old one keeps serving' },
      }),
    );
    await waitFor(() => expect(op.getAttribute('data-state')).toBe('failed'));
    expect(within(op).getByRole('alert').textContent).toContain('the old one keeps serving');
    expect(within(op).getByRole('alert').textContent).toContain('DEPLOY_UNHEALTHY');
    await waitFor(() => expect(within(op).getAllByRole('listitem')[1].getAttribute('data-status')).toBe('failed'));
  });

  it('rolls back and restarts only after confirmation', async () => {
    const { transport } = deployFake();
    renderWithConsole(<DeployPanel serverId={serverId} />, transport);
    fireEvent.click(screen.getByRole('button', { name: 'Roll back…' }));
    expect(transport.callsOf('deploy:rollback')).toHaveLength(0);
    const question = screen.getByRole('alertdialog', { name: /Roll back to the previous version/ });
    fireEvent.click(within(question).getByRole('button', { name: 'Keep as is' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(transport.callsOf('deploy:rollback')).toHaveLength(0);

    fireEvent.click(screen.getByRole('button', { name: 'Roll back…' }));
    fireEvent.click(screen.getByRole('button', { name: 'Roll back' }));
    expect(await screen.findByRole('group', { name: 'Rollback operation' })).toBeTruthy();
    expect(transport.callsOf('deploy:rollback')).toEqual([{ serverId }]);
    // Restart waits until the rollback has ended.
    expect((screen.getByRole('button', { name: 'Restart…' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('shows the error envelope of a refused start (code and advice)', async () => {
    const { transport } = deployFake({
      'deploy:restart': () => {
        throw new FakeConsoleError('SERVER_BUSY', 'another operation is running on this server');
      },
    });
    renderWithConsole(<DeployPanel serverId={serverId} />, transport);
    fireEvent.click(screen.getByRole('button', { name: 'Restart…' }));
    fireEvent.click(screen.getByRole('button', { name: 'Restart' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Another operation is running on this server');
    expect(alert.textContent).toContain('SERVER_BUSY');
  });

  it('asks for deploy settings on a server without them, saves them, and then uses their image', async () => {
    let saved: unknown = null;
    const { transport } = deployFake({
      'deploy:get-settings': () => ({ settings: saved }),
      'deploy:set-settings': (i: { settings: unknown }) => {
        saved = i.settings;
        return { settings: saved };
      },
    });
    renderWithConsole(<DeployPanel serverId={serverId} />, transport);
    const form = await screen.findByRole('form', { name: 'deploy settings' });
    fireEvent.change(within(form).getByLabelText('Domain the agent is served under'), { target: { value: 'agent.example.org' } });
    fireEvent.change(within(form).getByLabelText('Agent image'), { target: { value: 'registry.example/mf/agent' } });
    fireEvent.change(within(form).getByLabelText('Agent version'), { target: { value: '0.4.1' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save deploy settings' }));
    expect((await screen.findByTestId('deploy-settings-summary')).textContent).toContain('registry.example/mf/agent:0.4.1');
    expect(transport.callsOf('deploy:set-settings')).toMatchObject([{ serverId, settings: { domain: 'agent.example.org', agentImage: 'registry.example/mf/agent', agentVersion: '0.4.1' } }]);
    expect((screen.getByLabelText('Image') as HTMLInputElement).value).toBe('registry.example/mf/agent');
  });

  it('after a reload, shows the deploy that is still running on the server', async () => {
    const { transport } = deployFake({ 'operations:list': () => [run('op-earlier', 'running'), run('op-prov', 'succeeded', 'provision')] });
    renderWithConsole(<DeployPanel serverId={serverId} />, transport);
    const op = await screen.findByRole('group', { name: 'Deploy operation' });
    expect(op.getAttribute('data-state')).toBe('running');
    expect(transport.callsOf('operations:status')).toContainEqual({ operationId: 'op-earlier' });
    await waitFor(() => expect((screen.getByRole('button', { name: 'Deploy' }) as HTMLButtonElement).disabled).toBe(true));
  });

  it('the registry source sends the credential name', async () => {
    const { transport } = deployFake();
    renderWithConsole(<DeployPanel serverId={serverId} />, transport);
    fireEvent.change(await screen.findByLabelText('Image'), { target: { value: 'registry.example/mf/agent' } });
    fireEvent.change(await screen.findByLabelText('Version'), { target: { value: '1.0.0' } });
    fireEvent.click(screen.getByLabelText('The server pulls it from a registry'));
    fireEvent.change(screen.getByLabelText(/Registry credential/), { target: { value: 'ghcr' } });
    fireEvent.click(screen.getByRole('button', { name: 'Deploy' }));
    await screen.findByRole('group', { name: 'Deploy operation' });
    expect(transport.callsOf('deploy:agent')).toEqual([{ serverId, image: 'registry.example/mf/agent', version: '1.0.0', source: { kind: 'registry', credentialName: 'ghcr' } }]);
  });
});

describe('HTTPS panel', () => {
  const status = (over: Record<string, unknown> = {}) => ({
    domain: 'agent.example.com',
    notAfter: at(40),
    issuer: "(STAGING) Let's Encrypt",
    attempts: [
      { at: at(-50), ok: true },
      { at: at(-1), ok: false, code: 'CERT_CHALLENGE_FAILED', reason: 'the CA could not fetch the HTTP-01 token: connection refused' },
    ],
    nextAttemptAt: null,
    ...over,
  });

  it('shows expiry, issuer and each attempt with its reason', async () => {
    renderWithConsole(<HttpsPanel serverId={serverId} now={() => now} />, contractFakeTransport({ 'ssl:status': () => status() }));
    const facts = await screen.findByLabelText('certificate');
    expect(facts.textContent).toContain("(STAGING) Let's Encrypt");
    expect(screen.getByText('Valid for 40 more days')).toBeTruthy();
    const attempts = within(screen.getByLabelText('certificate attempts')).getAllByRole('listitem');
    expect(attempts[0].textContent).toMatch(/failed.*connection refused.*CERT_CHALLENGE_FAILED/);
    expect(attempts[1].textContent).toContain('issued');
    expect((screen.getByLabelText('Domain') as HTMLInputElement).value).toBe('agent.example.com');
  });

  it('when rate-limited, says when the next attempt is allowed and does not offer one before', async () => {
    const transport = contractFakeTransport({ 'ssl:status': () => status({ notAfter: null, issuer: null, nextAttemptAt: at(0.5) }) });
    renderWithConsole(<HttpsPanel serverId={serverId} now={() => now} />, transport);
    const notice = await screen.findByTestId('next-attempt');
    expect(notice.textContent).toContain(new Date(at(0.5)).toLocaleString());
    expect(screen.getByText('No certificate: the last attempt failed')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Enable HTTPS' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('checks the e-mail, then enables with staging and follows the operation', async () => {
    const transport = contractFakeTransport({
      'ssl:status': () => status({ notAfter: null, issuer: null, attempts: [] }),
      'ssl:enable': () => ({ operationId: 'op-ssl' }),
      'operations:status': (i: { operationId: string }) => run(i.operationId, 'running', 'ssl'),
      'operations:events': () => [{ operationId: 'op-ssl', seq: 0, phase: 'certbot', progress: 0.5, line: 'certbot: requesting a certificate' }],
    });
    renderWithConsole(<HttpsPanel serverId={serverId} now={() => now} />, transport);
    await screen.findByText('No certificate yet');
    fireEvent.change(screen.getByLabelText('E-mail for expiry notices'), { target: { value: 'not-an-email' } });
    fireEvent.click(screen.getByRole('button', { name: 'Enable HTTPS' }));
    expect(await screen.findByText('An e-mail address, like ops@example.com.')).toBeTruthy();
    expect(transport.callsOf('ssl:enable')).toHaveLength(0);

    fireEvent.change(screen.getByLabelText('E-mail for expiry notices'), { target: { value: 'ops@example.com' } });
    fireEvent.click(screen.getByLabelText(/Staging/));
    fireEvent.click(screen.getByRole('button', { name: 'Enable HTTPS' }));
    const op = await screen.findByRole('group', { name: 'HTTPS operation' });
    expect(transport.callsOf('ssl:enable')).toMatchObject([{ serverId, domain: 'agent.example.com', email: 'ops@example.com', staging: true }]);
    // A panel opened after the start still gets the recorded events.
    await waitFor(() => expect(within(op).getByLabelText('HTTPS log').textContent).toBe('certbot: requesting a certificate'));
  });
});

describe('read-only console', () => {
  it('shows containers and certificate state but offers no deploy, rollback, restart or HTTPS request', async () => {
    const transport = contractFakeTransport(
      {
        'deploy:containers': () => containers,
        'deploy:stats': () => ({ cpuPercent: 1, memoryBytes: 1, memoryLimitBytes: 0, pids: 1 }),
        'ssl:status': () => ({ domain: 'agent.example.com', notAfter: at(10), issuer: 'Pebble', attempts: [], nextAttemptAt: null }),
      },
      { readOnly: true },
    );
    renderWithConsole(
      <>
        <ContainersPanel serverId={serverId} />
        <DeployPanel serverId={serverId} />
        <HttpsPanel serverId={serverId} now={() => now} />
      </>,
      transport,
    );
    expect(await screen.findByRole('table', { name: 'agent containers' })).toBeTruthy();
    expect(await screen.findByText('Valid for 10 more days')).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'deploy the agent' })).toBeNull();
    expect(screen.queryByRole('form', { name: 'enable https' })).toBeNull();
    expect((screen.getByRole('button', { name: 'Roll back…' }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Restart…' }) as HTMLButtonElement).disabled).toBe(true);
    expect(transport.calls.every((c) => ['deploy:containers', 'deploy:stats', 'ssl:status', 'deploy:get-settings', 'operations:list'].includes(c.method))).toBe(true);
  });
});
