// Probes one server over SSH: load, memory and root-disk usage from /proc and df, one round trip.
import { runCommand, type SshConnection } from '../ssh/ssh-connection.js';

export const serverProbeScript =
  "cat /proc/loadavg; awk '/^MemTotal:|^MemAvailable:/ {print $1, $2}' /proc/meminfo; df -P -k / | awk 'NR==2 {print \"disk\", $2, $3}'";

export interface ServerProbeFacts {
  load1: number | null;
  memoryUsedRatio: number | null;
  diskUsedRatio: number | null;
}

export function parseServerProbe(text: string): ServerProbeFacts {
  const lines = text.split('\n');
  const load1 = Number(lines[0]?.split(' ')[0]);
  const mem = new Map<string, number>();
  let diskTotal = NaN;
  let diskUsed = NaN;
  for (const l of lines.slice(1)) {
    const [k, a, b] = l.trim().split(/\s+/);
    if (k === 'disk') {
      diskTotal = Number(a);
      diskUsed = Number(b);
    } else if (k) mem.set(k.replace(':', ''), Number(a));
  }
  const total = mem.get('MemTotal');
  const avail = mem.get('MemAvailable');
  return {
    load1: Number.isFinite(load1) ? load1 : null,
    memoryUsedRatio: total && avail !== undefined ? 1 - avail / total : null,
    diskUsedRatio: diskTotal > 0 ? diskUsed / diskTotal : null,
  };
}

export async function probeServer(conn: SshConnection, timeoutMs: number): Promise<ServerProbeFacts> {
  const r = await runCommand(conn, serverProbeScript, { check: true, timeoutMs });
  return parseServerProbe(r.stdout);
}
