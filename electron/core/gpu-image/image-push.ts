// Pushing an image from the console's Docker engine (dockerode), with progress per layer, and the engine's view of
// a registry (does it push to it over plain HTTP?). The login travels to the engine in X-Registry-Auth only; the
// engine's messages say nothing of it, and the errors below are the engine's words plus a code.
import { lookup } from 'node:dns/promises';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { ConsoleError } from '../contracts/define.js';
import type { RegistryLogin } from './registry-client.js';

export interface PushProgress {
  /** 0..1 over the image's layers (layers already in the registry count as done); null before any is known. */
  fraction: number | null;
  /** A layer changed state (Pushed, Layer already exists, ...), or the engine said something once. */
  line?: string;
}

interface PushMessage {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
  aux?: { Tag?: string; Digest?: string; Size?: number };
}

interface LayerState {
  status: string;
  current: number;
  total: number | null;
  done: boolean;
}

const doneStatus = /^(Pushed|Layer already exists|Mounted from)/;

/** The engine's push error as a code the console promises: the login, the registry's reachability, or the push. */
export function pushError(registry: string, message: string): ConsoleError {
  if (/unauthorized|authentication required|incorrect username or password/i.test(message)) {
    return new ConsoleError('REGISTRY_AUTH_FAILED', `the registry ${registry} refused the login: ${message}`);
  }
  if (/denied|forbidden/i.test(message)) return new ConsoleError('REGISTRY_DENIED', `the registry ${registry} denied the push: ${message}`);
  if (/connection refused|no such host|i\/o timeout|dial tcp|connection reset|server gave HTTP response to HTTPS client|x509|tls:/i.test(message)) {
    return new ConsoleError('REGISTRY_UNREACHABLE', `the registry ${registry} cannot be reached from this console's Docker engine: ${message}`);
  }
  return new ConsoleError('GPU_IMAGE_PUSH_FAILED', `the push to ${registry} failed: ${message}`);
}

/**
 * Pushes `image` (already tagged `<registry>/<repository>:<tag>` in the engine) and resolves with the digest the
 * registry gave the tag. Progress is reported as bytes over the layers the engine sized, at most once a second,
 * plus one line per layer when its state changes.
 */
export async function pushImage(
  docker: Docker,
  image: string,
  opts: { registry: string; login?: RegistryLogin; signal?: AbortSignal; onProgress?: (p: PushProgress) => void },
): Promise<{ digest: string; layers: number }> {
  const authconfig = opts.login ? { username: opts.login.username, password: opts.login.password, serveraddress: opts.registry } : undefined;
  let stream: Readable;
  try {
    stream = (await docker.getImage(image).push(authconfig ? { authconfig } : {})) as Readable;
  } catch (err) {
    const e = err as { statusCode?: number; json?: { message?: string }; message?: string };
    if (e.statusCode === 404) throw new ConsoleError('IMAGE_NOT_FOUND', `image ${image} is not in this console's Docker engine`);
    throw pushError(opts.registry, e.json?.message ?? e.message ?? String(err));
  }
  const layers = new Map<string, LayerState>();
  let lastReport = 0;
  let digest: string | undefined;
  // Bytes over all layers once every layer's size is known; before that the mean of the layers' fractions (a
  // waiting layer has no size yet). The operation's figure never goes back, so the switch cannot show a drop.
  const fraction = (): number | null => {
    const all = [...layers.values()];
    if (all.length === 0) return null;
    const of = (l: LayerState) => (l.done ? 1 : l.total ? Math.min(1, l.current / l.total) : 0);
    if (all.some((l) => !l.done && !l.total)) return all.reduce((s, l) => s + of(l), 0) / all.length;
    const total = all.reduce((s, l) => s + (l.total ?? 0), 0);
    if (total === 0) return all.reduce((s, l) => s + of(l), 0) / all.length;
    return Math.min(1, all.reduce((s, l) => s + (l.done ? (l.total ?? 0) : l.current), 0) / total);
  };
  const onMessage = (m: PushMessage) => {
    if (m.aux?.Digest) digest = m.aux.Digest;
    if (!m.id || !m.status) {
      if (m.status) opts.onProgress?.({ fraction: fraction(), line: m.status });
      return;
    }
    const layer = layers.get(m.id) ?? { status: '', current: 0, total: null, done: false };
    layers.set(m.id, layer);
    const changed = layer.status !== m.status;
    layer.status = m.status;
    if (m.progressDetail?.total) layer.total = m.progressDetail.total;
    if (m.progressDetail?.current !== undefined) layer.current = m.progressDetail.current;
    if (doneStatus.test(m.status)) {
      layer.done = true;
      // An existing layer has no size in the messages; it weighs nothing in the fraction.
      layer.total ??= 0;
    }
    if (changed && m.status !== 'Pushing') {
      opts.onProgress?.({ fraction: fraction(), line: `layer ${m.id}: ${m.status}` });
    } else if (Date.now() - lastReport >= 1000) {
      lastReport = Date.now();
      const sizes = layer.total ? ` ${(layer.current / 1e6).toFixed(1)} of ${(layer.total / 1e6).toFixed(1)} MB` : '';
      opts.onProgress?.({ fraction: fraction(), line: `layer ${m.id}: ${m.status}${sizes}` });
    }
  };
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      stream.destroy();
      reject(new ConsoleError('CANCELED', 'push canceled'));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: PushMessage[]) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (opts.signal?.aborted) return;
        if (err) return reject(pushError(opts.registry, err.message));
        const failed = output.find((m) => m.error || m.errorDetail);
        if (failed) return reject(pushError(opts.registry, failed.errorDetail?.message ?? failed.error ?? 'no message'));
        resolve();
      },
      onMessage,
    );
  });
  if (!digest) throw new ConsoleError('GPU_IMAGE_PUSH_FAILED', `the engine finished the push of ${image} without naming the digest the registry gave it`);
  return { digest, layers: layers.size };
}

function ipv4InCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const toInt = (a: string) => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || !base || !/^\d+\.\d+\.\d+\.\d+$/.test(base) || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(ip) & mask) === (toInt(base) & mask);
}

/**
 * Whether the engine pushes to `registry` without requiring TLS: named in its --insecure-registry list, or an
 * address inside its insecure CIDRs (127.0.0.0/8 by default). The manifest check then talks to it the same way.
 */
export async function engineTreatsAsInsecure(docker: Docker, registry: string): Promise<boolean> {
  const info = (await docker.info()) as { RegistryConfig?: { InsecureRegistryCIDRs?: string[]; IndexConfigs?: Record<string, { Secure?: boolean }> } };
  const config = info.RegistryConfig ?? {};
  const named = config.IndexConfigs?.[registry];
  if (named) return named.Secure === false;
  const hostname = registry.replace(/:\d+$/, '');
  const addresses = /^\d+\.\d+\.\d+\.\d+$/.test(hostname)
    ? [hostname]
    : await lookup(hostname, { all: true, family: 4 }).then((all) => all.map((a) => a.address), () => []);
  return addresses.some((ip) => (config.InsecureRegistryCIDRs ?? []).some((cidr) => ipv4InCidr(ip, cidr)));
}
