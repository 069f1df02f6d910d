import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parsePreflightOutput, preflightScript } from './preflight.js';

const sample = `os_id=ubuntu
os_version=22.04
os_pretty=Ubuntu 22.04.4 LTS
arch=x86_64
cpus=4
mem_kb=8000000
disk_total_kb=80000000
disk_free_kb=50000000
sudo=passwordless
docker=Docker version 24.0.7, build 24.0.7-0ubuntu2
listen_hex=0016
listen_hex=0050
`;

describe('preflight', () => {
  it('parses facts and flags a busy port 80 as a warning', () => {
    const r = parsePreflightOutput(sample);
    expect(r.os).toEqual({ id: 'ubuntu', versionId: '22.04', prettyName: 'Ubuntu 22.04.4 LTS' });
    expect(r.memoryBytes).toBe(8000000 * 1024);
    expect(r.listeningPorts).toEqual([22, 80]);
    expect(r.docker).toEqual({ present: true, version: '24.0.7' });
    expect(r.checks.find((c) => c.id === 'ports')?.status).toBe('warn');
    expect(r.ok).toBe(true);
  });

  it('fails an unsupported OS and a user without sudo', () => {
    const r = parsePreflightOutput(sample.replace('os_version=22.04', 'os_version=18.04').replace('sudo=passwordless', 'sudo=none'));
    expect(r.checks.find((c) => c.id === 'os')?.status).toBe('fail');
    expect(r.checks.find((c) => c.id === 'sudo')?.status).toBe('fail');
    expect(r.ok).toBe(false);
    const debian10 = parsePreflightOutput(sample.replace('os_id=ubuntu', 'os_id=debian').replace('22.04', '10'));
    expect(debian10.checks.find((c) => c.id === 'os')?.status).toBe('fail');
  });

  it('the script runs on this machine and yields its real facts', () => {
    const r = parsePreflightOutput(execFileSync('/bin/sh', ['-c', preflightScript]).toString());
    expect(r.cpuCount).toBeGreaterThan(0);
    expect(r.memoryBytes).toBeGreaterThan(0);
    expect(r.arch).toBe(execFileSync('uname', ['-m']).toString().trim());
  });
});
