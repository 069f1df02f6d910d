import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDataDir } from './data-dir-lock.js';

const dirs: string[] = [];
function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-lock-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('lockDataDir', () => {
  it('refuses a data directory a live process on this host holds, and takes over one left by a dead process', async () => {
    const dir = dataDir();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      fs.writeFileSync(path.join(dir, 'agent.pid'), `${other.pid}\n`);
      await expect(lockDataDir(dir, 300)).rejects.toThrow(`another agent (pid ${other.pid}) is running`);
    } finally {
      other.kill('SIGKILL');
      await new Promise((resolve) => other.once('exit', resolve));
    }
    const lock = await lockDataDir(dir, 300);
    expect(lock.alone).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'agent.pid'), 'utf8')).toMatch(new RegExp(`^${process.pid} ${os.hostname()}:pidns-\\d+\n$`));
    lock.release();
    expect(fs.existsSync(path.join(dir, 'agent.pid'))).toBe(false);
  });

  it('starts beside a holder on another host (the old container of an upgrade) without claiming to be alone', async () => {
    const dir = dataDir();
    fs.writeFileSync(path.join(dir, 'agent.pid'), '17 old-container\n');
    const lock = await lockDataDir(dir, 300);
    expect(lock).toMatchObject({ alone: false, sharedWith: 'pid 17 on old-container' });
    lock.release();
    expect(fs.existsSync(path.join(dir, 'agent.pid'))).toBe(false);
  });

  it('reads a file written before hostnames were recorded as naming this host', async () => {
    const dir = dataDir();
    fs.writeFileSync(path.join(dir, 'agent.pid'), `${process.pid}\n`);
    const lock = await lockDataDir(dir, 300);
    expect(lock.alone).toBe(true);
    lock.release();
  });
});
