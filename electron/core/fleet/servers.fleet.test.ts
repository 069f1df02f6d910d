// Adding servers over real SSH: sshd in network namespaces (see test-harness/console/simulated-vps.ts).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { generateLoginKeyPair } from './ssh/login-key.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.js';
import { FileVault } from '../secrets/file-vault.js';
import { secretNames } from '../secrets/secret-vault.js';
import { openConsoleStore, type ConsoleDb } from '../store/console-store.js';
import { cleanupStaleHosts, harnessUnavailableReason, startSimulatedVps, type SimulatedVps } from '../../../test-harness/console/simulated-vps.js';
import { FleetService } from './fleet-service.js';
import { AgentsRepository } from './agents-repository.js';
import { HealthMonitor } from './health/health-monitor.js';
import { ShellService } from './shell/shell-service.js';
import { openSshConnection } from './ssh/ssh-connection.js';

const unavailable = harnessUnavailableReason();

describe.skipIf(unavailable)(`servers over SSH${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let dir: string;
  let db: ConsoleDb;
  let vault: FileVault;
  let audit: AuditLog;
  let fleet: FleetService;
  let vps: SimulatedVps;
  let vps2: SimulatedVps;

  beforeAll(async () => {
    cleanupStaleHosts();
    dir = mkdtempSync(join(tmpdir(), 'mf-fleet-'));
    db = openConsoleStore(join(dir, 'console.db'));
    vault = FileVault.open({ path: join(dir, 'vault.json'), passphrase: 'test-pass', scrypt: { N: 2 ** 12, r: 8, p: 1 } });
    audit = new AuditLog(db);
    fleet = new FleetService({ db, vault, audit });
    vps = await startSimulatedVps({ index: 0 });
    vps2 = await startSimulatedVps({ index: 1 });
  });

  afterAll(async () => {
    await vps?.stop();
    await vps2?.stop();
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('adds a server with a generated key, pins its host key and turns password login off', async () => {
    const added = await fleet.addServer({
      name: 'vps-a',
      host: vps.address,
      port: 22,
      user: vps.user,
      auth: { kind: 'generate', password: vps.password, disablePasswordLogin: true },
    });
    expect(added.hostKeyFingerprint).toBe(vps.hostKeyFingerprint());
    // The public key is on the server, the private key only in the vault.
    const pub = ssh2.utils.parseKey((await vault.get(secretNames.sshPrivateKey(added.id)))!);
    expect(pub instanceof Error).toBe(false);
    expect(vps.exec(`cat /home/${vps.user}/.ssh/authorized_keys`)).toContain('mediafleet-console@');
    // A fresh password login is refused by the real sshd now.
    await expect(
      openSshConnection({ ...added, agentSocket: null }, vault, { password: vps.password }),
    ).rejects.toMatchObject({ code: 'SSH_AUTH_FAILED' });
    expect(vps.exec('cat /etc/ssh/sshd_config.d/00-mediafleet-no-password.conf')).toContain('PasswordAuthentication no');
    const t = await fleet.testConnection(added.id);
    expect(t.ok).toBe(true);
    const actions = audit.list({ targetId: added.id }).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['host-key.pinned', 'ssh-key.installed', 'ssh.password-login-disabled', 'server.added']));
  });

  it('preflight reports the host facts', async () => {
    const [server] = fleet.listServers();
    const report = await fleet.preflight(server!.id);
    expect(report.os.id).toBe('debian');
    expect(Number(report.os.versionId)).toBeGreaterThanOrEqual(11);
    expect(report.sudo).toBe('passwordless');
    expect(report.listeningPorts).toContain(22);
    expect(report.checks.find((c) => c.id === 'os')?.status).toBe('pass');
    expect(report.cpuCount).toBeGreaterThan(0);
  });

  it('refuses a changed host key with HOST_KEY_CHANGED and audits it', async () => {
    const [server] = fleet.listServers();
    const pinned = server!.hostKeyFingerprint;
    await vps.regenerateHostKey();
    expect(vps.hostKeyFingerprint()).not.toBe(pinned);
    await expect(fleet.testConnection(server!.id)).rejects.toMatchObject({ code: 'HOST_KEY_CHANGED' });
    const entry = audit.list({ targetId: server!.id }).find((e) => e.action === 'host-key.changed');
    expect(entry?.detail).toMatchObject({ pinned, presented: vps.hostKeyFingerprint() });
    // The pin did not move by itself.
    expect(fleet.listServers()[0]!.hostKeyFingerprint).toBe(pinned);
    fleet.repinHostKey(server!.id, vps.hostKeyFingerprint());
    expect((await fleet.testConnection(server!.id)).ok).toBe(true);
  });

  it('adds a server with an existing key and rejects a wrong password cleanly', async () => {
    const keys = generateLoginKeyPair('test');
    vps2.exec(`install -d -m 700 -o ${vps2.user} /home/${vps2.user}/.ssh && echo '${keys.public}' > /home/${vps2.user}/.ssh/authorized_keys && chown ${vps2.user} /home/${vps2.user}/.ssh/authorized_keys`);
    const added = await fleet.addServer({ name: 'vps-b', host: vps2.address, port: 22, user: vps2.user, auth: { kind: 'key', privateKey: keys.private } });
    expect(added.hostKeyFingerprint).toBe(vps2.hostKeyFingerprint());
    await expect(
      fleet.addServer({ name: 'dup', host: vps2.address, port: 22, user: vps2.user, auth: { kind: 'agent', socket: '/nonexistent' } }),
    ).rejects.toMatchObject({ code: 'SERVER_EXISTS' });
    await expect(
      fleet.addServer({ name: 'bad', host: vps2.address, port: 22, user: 'root', auth: { kind: 'generate', password: 'wrong', disablePasswordLogin: true } }),
    ).rejects.toMatchObject({ code: 'SSH_AUTH_FAILED' });
    expect(fleet.listServers().map((s) => s.name).sort()).toEqual(['vps-a', 'vps-b']);
  });

  it('keeps secrets out of the store and the audit log', async () => {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const storeBytes = readFileSync(join(dir, 'console.db')).toString('latin1');
    for (const s of fleet.listServers()) {
      const key = (await vault.get(secretNames.sshPrivateKey(s.id)))!;
      const body = key.split('\n')[1]!;
      expect(storeBytes).not.toContain(body);
    }
    expect(storeBytes).not.toContain(vps.password);
    expect(JSON.stringify(audit.list())).not.toContain(vps.password);
  });

  it('adds a server authenticated through a real ssh-agent (no key in the vault)', async () => {
    const keys = generateLoginKeyPair('agent-key');
    vps.exec(
      `useradd -m -s /bin/bash ops && install -d -m 700 -o ops /home/ops/.ssh && echo '${keys.public}' > /home/ops/.ssh/authorized_keys && chown ops /home/ops/.ssh/authorized_keys`,
    );
    const socket = join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
      const keyFile = join(dir, 'agent-key');
      writeFileSync(keyFile, keys.private, { mode: 0o600 });
      execFileSync('ssh-add', [keyFile], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      rmSync(keyFile);
      const added = await fleet.addServer({ name: 'vps-a-ops', host: vps.address, port: 22, user: 'ops', auth: { kind: 'agent', socket } });
      expect(await vault.has(secretNames.sshPrivateKey(added.id))).toBe(false);
      expect((await fleet.testConnection(added.id)).ok).toBe(true);
      await fleet.removeServer(added.id);
    } finally {
      agent.kill();
    }
  });

  it('opens an interactive shell on a server over an ssh2 shell channel', async () => {
    const shells = new ShellService({ connect: (id) => fleet.connect(id), audit });
    const a = fleet.listServers().find((s) => s.name === 'vps-a')!;
    const { sessionId } = await shells.open(a.id, 90, 20);
    let out = '';
    shells.events.on('data', (e) => (out += e.sessionId === sessionId ? e.data : ''));
    const exited = new Promise((r) => shells.events.once('exit', r));
    shells.write(sessionId, 'echo remote-$((6*7)) $(whoami) $(stty size)\n');
    const deadline = Date.now() + 10_000;
    while (!/remote-42 admin 20 90/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(out).toMatch(/remote-42 admin 20 90/);
    shells.write(sessionId, 'exit 5\n');
    expect(await exited).toEqual({ sessionId, code: 5 });
  });

  it('polls server health over SSH and raises server-down when a host goes away', async () => {
    const agents = new AgentsRepository(db);
    const monitor = new HealthMonitor({
      db,
      vault,
      audit,
      targets: { agents: () => agents.list(), servers: () => fleet.servers.list(), connect: (id) => fleet.connect(id) },
      timeoutMs: 3000,
    });
    try {
      await monitor.pollOnce();
      const states = monitor.snapshot();
      expect(states).toHaveLength(2);
      for (const s of states) {
        expect(s).toMatchObject({ kind: 'server', up: true, reason: null });
        expect(s.diskUsedRatio).toBeGreaterThan(0);
        expect(s.memoryUsedRatio).toBeGreaterThan(0);
        expect(s.load1).toBeGreaterThanOrEqual(0);
      }
      const b = fleet.listServers().find((s) => s.name === 'vps-b')!;
      await vps2.stop();
      await monitor.pollOnce();
      await monitor.pollOnce();
      const downState = monitor.snapshot().find((s) => s.targetId === b.id)!;
      expect(downState.up).toBe(false);
      expect(downState.reason).toContain('SSH_CONNECT_FAILED');
      expect(monitor.repo.alerts(true)).toEqual([expect.objectContaining({ kind: 'server-down', targetId: b.id })]);
      expect(monitor.snapshot().find((s) => s.targetId !== b.id)?.up).toBe(true);
    } finally {
      await monitor.stop();
    }
  });
});
