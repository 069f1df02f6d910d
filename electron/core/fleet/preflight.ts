// Preflight: one read-only script gathers the facts a deployment depends on, and a pure function judges
// them, so the judgement is unit-tested without a server.
import type { PreflightReport } from '../contracts/servers.js';

/** Runs under /bin/sh on the server; prints key=value lines and changes nothing. */
export const preflightScript = String.raw`
if [ -r /etc/os-release ]; then . /etc/os-release; fi
echo "os_id=$ID"; echo "os_version=$VERSION_ID"; echo "os_pretty=$PRETTY_NAME"
echo "arch=$(uname -m)"
echo "cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc)"
awk '/^MemTotal:/ {print "mem_kb=" $2}' /proc/meminfo
df -P -k / | awk 'NR==2 {print "disk_total_kb=" $2; print "disk_free_kb=" $4}'
if [ "$(id -u)" = 0 ]; then echo sudo=root; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then echo sudo=passwordless; else echo sudo=none; fi
if command -v docker >/dev/null 2>&1; then echo "docker=$(docker --version 2>/dev/null | head -n1)"; else echo docker=; fi
for f in /proc/net/tcp /proc/net/tcp6; do [ -r $f ] && awk 'NR>1 && $4=="0A" {split($2,a,":"); print "listen_hex=" a[2]}' $f; done
true
`;

export function parsePreflightOutput(text: string): PreflightReport {
  const values = new Map<string, string>();
  const ports = new Set<number>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === 'listen_hex') ports.add(parseInt(value, 16));
    else values.set(key, value);
  }
  const num = (k: string) => Number(values.get(k) ?? 'NaN');
  const dockerLine = values.get('docker') ?? '';
  const dockerVersion = /version ([\w.+~-]+)/i.exec(dockerLine)?.[1] ?? null;
  const facts = {
    os: { id: values.get('os_id') ?? '', versionId: values.get('os_version') ?? '', prettyName: values.get('os_pretty') ?? '' },
    arch: values.get('arch') ?? '',
    cpuCount: Number.isFinite(num('cpus')) ? num('cpus') : 0,
    memoryBytes: Number.isFinite(num('mem_kb')) ? num('mem_kb') * 1024 : 0,
    diskFreeBytes: Number.isFinite(num('disk_free_kb')) ? num('disk_free_kb') * 1024 : 0,
    diskTotalBytes: Number.isFinite(num('disk_total_kb')) ? num('disk_total_kb') * 1024 : 0,
    sudo: (['root', 'passwordless'].includes(values.get('sudo') ?? '') ? values.get('sudo') : 'none') as PreflightReport['sudo'],
    listeningPorts: [...ports].filter((p) => Number.isInteger(p) && p > 0).sort((a, b) => a - b),
    docker: { present: dockerLine !== '', version: dockerVersion },
  };
  const checks = judgePreflight(facts);
  return { ...facts, checks, ok: checks.every((c) => c.status !== 'fail') };
}

const GiB = 1024 ** 3;

/** Minimums the agent's CPU image needs; ports 80/443 taken by something else would block nginx. */
export function judgePreflight(f: Omit<PreflightReport, 'checks' | 'ok'>): PreflightReport['checks'] {
  const checks: PreflightReport['checks'] = [];
  const major = parseFloat(f.os.versionId);
  const osOk =
    (f.os.id === 'ubuntu' && major >= 20.04) || (f.os.id === 'debian' && major >= 11);
  checks.push({
    id: 'os',
    label: 'Operating system',
    status: osOk ? 'pass' : 'fail',
    detail: osOk ? f.os.prettyName : `${f.os.prettyName || 'unknown OS'}: Ubuntu 20.04+ or Debian 11+ is required`,
  });
  const archOk = ['x86_64', 'aarch64'].includes(f.arch);
  checks.push({ id: 'arch', label: 'Architecture', status: archOk ? 'pass' : 'fail', detail: f.arch || 'unknown' });
  checks.push({
    id: 'cpu',
    label: 'CPU cores',
    status: f.cpuCount >= 2 ? 'pass' : f.cpuCount >= 1 ? 'warn' : 'fail',
    detail: `${f.cpuCount} core(s)${f.cpuCount < 2 ? '; 2+ recommended' : ''}`,
  });
  checks.push({
    id: 'memory',
    label: 'Memory',
    status: f.memoryBytes >= 2 * GiB ? 'pass' : f.memoryBytes >= 1 * GiB ? 'warn' : 'fail',
    detail: `${(f.memoryBytes / GiB).toFixed(1)} GiB${f.memoryBytes < 2 * GiB ? '; 2 GiB+ recommended' : ''}`,
  });
  checks.push({
    id: 'disk',
    label: 'Free disk',
    status: f.diskFreeBytes >= 10 * GiB ? 'pass' : f.diskFreeBytes >= 4 * GiB ? 'warn' : 'fail',
    detail: `${(f.diskFreeBytes / GiB).toFixed(1)} GiB free of ${(f.diskTotalBytes / GiB).toFixed(1)} GiB`,
  });
  checks.push({
    id: 'sudo',
    label: 'Administrator rights',
    status: f.sudo === 'none' ? 'fail' : 'pass',
    detail: f.sudo === 'root' ? 'logged in as root' : f.sudo === 'passwordless' ? 'passwordless sudo' : 'no passwordless sudo',
  });
  const busy = f.listeningPorts.filter((p) => p === 80 || p === 443);
  checks.push({
    id: 'ports',
    label: 'Ports 80/443',
    status: busy.length ? 'warn' : 'pass',
    detail: busy.length ? `already in use: ${busy.join(', ')}` : `free (listening: ${f.listeningPorts.join(', ') || 'none'})`,
  });
  checks.push({
    id: 'docker',
    label: 'Docker',
    status: 'pass',
    detail: f.docker.present ? `present (${f.docker.version ?? 'unknown version'})` : 'not installed; provisioning installs it',
  });
  return checks;
}
