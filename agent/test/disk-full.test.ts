// A full disk, for real: the agent's data directory on a small tmpfs (mounting needs root; skipped, saying so,
// otherwise), filled to the last byte while a job runs. Uploads get 507 DISK_FULL, nothing is left half written,
// reads and health go on (health says the disk is full), writes that fail (progress, lease renewal, the job's
// outcome) end nothing, not even the process this agent runs in; and once there is room again it all resumes by itself.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, capturingLogger, errorLines, leftoverUploads, mediaForm, sleepWorkerUrl, startTestAgent, waitForStatus, type TestAgent } from '../../test-harness/agent/test-agent.js';

function canMount(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: mounting a tmpfs needs root';
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]})`;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

const skipReason = canMount();

/** Writes zeros until the filesystem refuses another byte. */
function fillDisk(file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          fs.writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

describe.skipIf(skipReason !== undefined)(`a full disk${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-full-disk-'));
  const dataDir = path.join(mountPoint, 'agent');
  const filler = path.join(mountPoint, 'filler');
  const log = capturingLogger('info');
  let t: TestAgent;
  beforeAll(async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint]);
    // No free-space margin: the writes themselves must hit the full disk, not only the check before an upload.
    t = await startTestAgent({ workers: 1, minFreeDiskBytes: 0, leaseMs: 600 }, { workerUrl: sleepWorkerUrl, dataDir, logger: log.logger });
  });
  afterAll(async () => {
    await t?.close();
    execFileSync('umount', [mountPoint]);
    fs.rmSync(mountPoint, { recursive: true, force: true });
  });

  it('refuses uploads with 507 DISK_FULL, keeps serving reads and health, survives failed writes, and resumes when there is room', async () => {
    const running = await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm('sleep 3000'));
    await waitForStatus(t.url, t.tokens.submit, running.body.id, ['running']);
    fillDisk(filler);

    // The upload itself runs into the full disk, then the check before uploads refuses at once.
    for (let i = 0; i < 2; i++) {
      const refused = await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm(Buffer.alloc(256 * 1024, 1)));
      expect({ status: refused.status, code: refused.body.error?.code }).toEqual({ status: 507, code: 'DISK_FULL' });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const health = await api(t.url, t.tokens.read, 'GET', '/v1/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ live: true, ready: false, disk: { full: true } });
    expect(health.body.reason).toMatch(/disk is full/);
    expect((await api(t.url, t.tokens.read, 'GET', '/v1/health?ready=1')).status).toBe(503);
    expect((await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${running.body.id}`)).status).toBe(200);
    expect((await api(t.url, t.tokens.submit, 'GET', '/v1/jobs')).status).toBe(200);

    // The job goes on reporting progress and renewing its lease into the full disk, and finishes meanwhile.
    await new Promise((r) => setTimeout(r, 3500));
    expect(log.lines.some((l) => /the disk is full: could not (record progress|renew a lease|record a job outcome)/.test(l.msg ?? ''))).toBe(true);
    expect((await api(t.url, t.tokens.read, 'GET', '/v1/health')).status).toBe(200);

    // Room again: the outcome kept in memory is written, uploads are taken, health says so — with nothing restarted.
    fs.rmSync(filler);
    const finished = await waitForStatus(t.url, t.tokens.submit, running.body.id, ['succeeded', 'failed'], 45_000);
    expect(finished.status).toBe('succeeded');
    let accepted;
    for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((r) => setTimeout(r, 500))) {
      accepted = await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm('quick'));
      if (accepted.status === 202) break;
    }
    expect(accepted!.status, JSON.stringify(accepted!.body)).toBe(202);
    expect((await waitForStatus(t.url, t.tokens.submit, accepted!.body.id, ['succeeded'])).status).toBe('succeeded');
    expect((await api(t.url, t.tokens.read, 'GET', '/v1/health')).body).toMatchObject({ ready: true, disk: { full: false } });
    expect(await leftoverUploads(dataDir)).toEqual([]);
    expect(errorLines(log.lines)).toEqual([]);
  }, 120_000);
});
