// The registry's HTTP API (the distribution spec's /v2/), as far as publishing needs it: is the login accepted,
// and does the registry hold a manifest for the tag (and with which digest). Both auth schemes registries use:
// Basic (htpasswd registries such as Debian's docker-registry) and Bearer tokens from the realm the 401 names
// (Docker Hub, GHCR, GitLab, Harbor). The password is only ever sent in an Authorization header, never logged.
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { ConsoleError } from '../contracts/define.js';

export interface RegistryLogin {
  username: string;
  password: string;
}

export interface RegistryClientOptions {
  /** host[:port] of the registry's API. */
  host: string;
  login?: RegistryLogin;
  /**
   * The engine treats this registry as insecure (its --insecure-registry list, 127.0.0.0/8 by default): like the
   * engine, try HTTPS first and fall back to plain HTTP when the registry does not speak TLS.
   */
  insecure: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Every manifest type a pushed image can have: Docker's and OCI's, single-platform or index. */
export const manifestAccept = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

export interface RegistryManifest {
  /** sha256 of the manifest's bytes, the digest the tag resolves to. */
  digest: string;
  mediaType: string | null;
  /** Layers the manifest lists (0 for an index). */
  layers: number;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const maxBody = 4 * 1024 * 1024;
/** Errors that mean nothing answers at the address at all, so a second scheme would not help. */
const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'TIMEOUT', 'ETIMEDOUT']);

function get(url: URL, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.get(url, { headers: { 'user-agent': 'mediafleet-console', ...headers }, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBody) req.destroy(Object.assign(new Error('answer too large'), { code: 'TOO_LARGE' }));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'TIMEOUT' })));
    req.on('error', reject);
  });
}

interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

/** `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="..."` */
export function parseChallenge(header: string | undefined): Challenge | null {
  if (!header) return null;
  const m = /^\s*(Basic|Bearer)\b(.*)$/i.exec(header);
  if (!m) return null;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? '';
  return { scheme: m[1]!.toLowerCase() as Challenge['scheme'], params };
}

export class RegistryClient {
  private scheme: 'https:' | 'http:' | null = null;
  private authorization: string | null = null;
  private readonly timeoutMs: number;

  constructor(private readonly opts: RegistryClientOptions) {
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  private unreachable(err: unknown, url: string): ConsoleError {
    if (this.opts.signal?.aborted) return new ConsoleError('CANCELED', 'canceled');
    const e = err as NodeJS.ErrnoException;
    const tls = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/i.test(`${e.code ?? ''} ${e.message}`);
    return new ConsoleError(
      'REGISTRY_UNREACHABLE',
      tls
        ? `the registry ${this.opts.host} answered with a certificate this console does not trust (${e.message}); give it a certificate from a public CA, or list it as an insecure registry of this console's Docker engine.`
        : `the registry ${this.opts.host} cannot be reached (${e.code ?? ''} ${e.message}`.trimEnd() + `, at ${url}); check its address and that it runs.`,
    );
  }

  /** GET on the registry, choosing the scheme once (HTTPS, or HTTP for an insecure registry without TLS). */
  private async raw(path: string, headers: Record<string, string>): Promise<Reply> {
    const schemes: ('https:' | 'http:')[] = this.scheme ? [this.scheme] : this.opts.insecure ? ['https:', 'http:'] : ['https:'];
    let lastError: unknown;
    for (const scheme of schemes) {
      const url = new URL(`${scheme}//${this.opts.host}${path}`);
      try {
        const reply = await get(url, headers, this.timeoutMs, this.opts.signal);
        this.scheme = scheme;
        return reply;
      } catch (err) {
        lastError = err;
        if (this.opts.signal?.aborted || unreachableCodes.has((err as NodeJS.ErrnoException).code ?? '')) throw this.unreachable(err, url.href);
      }
    }
    throw this.unreachable(lastError, `${schemes.at(-1)}//${this.opts.host}${path}`);
  }

  private basic(): string {
    const { username, password } = this.opts.login!;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  private refused(kind: 'login' | 'anonymous'): ConsoleError {
    return kind === 'anonymous'
      ? new ConsoleError('REGISTRY_AUTH_REQUIRED', `the registry ${this.opts.host} wants a login: save one with the registry credentials and name it when publishing.`)
      : new ConsoleError('REGISTRY_AUTH_FAILED', `the registry ${this.opts.host} refused the login of "${this.opts.login!.username}" (wrong user name or password?); save the right credentials and try again.`);
  }

  /** A Bearer token from the realm the challenge names, for `scope`; the login goes to the realm only. */
  private async token(challenge: Challenge, scope: string | undefined): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) throw new ConsoleError('REGISTRY_FAILED', `the registry ${this.opts.host} asked for a token without saying where to get it`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new ConsoleError('REGISTRY_FAILED', `the registry ${this.opts.host} named a token service that is not a URL`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.opts.insecure)) {
      throw new ConsoleError('REGISTRY_FAILED', `the registry ${this.opts.host} sends logins to ${url.origin} without TLS; refusing to send the password there`);
    }
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    const wanted = scope ?? challenge.params.scope;
    if (wanted) url.searchParams.set('scope', wanted);
    let reply: Reply;
    try {
      reply = await get(url, this.opts.login ? { authorization: this.basic() } : {}, this.timeoutMs, this.opts.signal);
    } catch (err) {
      throw this.unreachable(err, url.origin + url.pathname);
    }
    if (reply.status === 401 || reply.status === 403) throw this.refused(this.opts.login ? 'login' : 'anonymous');
    if (reply.status !== 200) throw new ConsoleError('REGISTRY_FAILED', `the token service of ${this.opts.host} answered ${reply.status}`);
    let token: string | undefined;
    try {
      const parsed = JSON.parse(reply.body.toString('utf8')) as { token?: string; access_token?: string };
      token = parsed.token ?? parsed.access_token;
    } catch {
      /* handled below */
    }
    if (!token) throw new ConsoleError('REGISTRY_FAILED', `the token service of ${this.opts.host} answered without a token`);
    return `Bearer ${token}`;
  }

  /** A GET that answers the registry's challenge once (Basic or Bearer) and keeps the accepted header. */
  private async authorized(path: string, headers: Record<string, string>, scope?: string): Promise<Reply> {
    const withAuth = () => (this.authorization ? { ...headers, authorization: this.authorization } : headers);
    let reply = await this.raw(path, withAuth());
    if (reply.status !== 401) return reply;
    const challenge = parseChallenge(reply.headers['www-authenticate']);
    if (!challenge) throw new ConsoleError('REGISTRY_FAILED', `the registry ${this.opts.host} answered 401 without saying how to log in`);
    if (challenge.scheme === 'basic') {
      if (!this.opts.login) throw this.refused('anonymous');
      this.authorization = this.basic();
    } else {
      this.authorization = await this.token(challenge, scope);
    }
    reply = await this.raw(path, withAuth());
    if (reply.status === 401) throw this.refused(this.opts.login ? 'login' : 'anonymous');
    return reply;
  }

  /** Checks the login against /v2/ (and, for token registries, asks for `scope`): throws when refused. */
  async checkLogin(scope?: string): Promise<void> {
    const reply = await this.authorized('/v2/', {}, scope);
    if (reply.status === 403) throw new ConsoleError('REGISTRY_DENIED', `the registry ${this.opts.host} accepts the login but denies access`);
    if (reply.status !== 200) throw new ConsoleError('REGISTRY_FAILED', `the registry ${this.opts.host} answered ${reply.status} at /v2/; is this a Docker registry?`);
  }

  /** The manifest the tag points at, or null when the registry has none for it (404). */
  async manifest(repository: string, tag: string): Promise<RegistryManifest | null> {
    const reply = await this.authorized(`/v2/${repository}/manifests/${encodeURIComponent(tag)}`, { accept: manifestAccept }, `repository:${repository}:pull`);
    if (reply.status === 404) return null;
    if (reply.status === 403) throw new ConsoleError('REGISTRY_DENIED', `the registry ${this.opts.host} denies reading ${repository}`);
    if (reply.status !== 200) throw new ConsoleError('REGISTRY_FAILED', `the registry ${this.opts.host} answered ${reply.status} for the manifest of ${repository}:${tag}`);
    let parsed: { mediaType?: string; layers?: unknown[] } = {};
    try {
      parsed = JSON.parse(reply.body.toString('utf8')) as typeof parsed;
    } catch {
      throw new ConsoleError('REGISTRY_FAILED', `the registry ${this.opts.host} answered a manifest that is not JSON`);
    }
    const contentType = reply.headers['content-type']?.split(';')[0]?.trim();
    return {
      digest: `sha256:${createHash('sha256').update(reply.body).digest('hex')}`,
      mediaType: parsed.mediaType ?? contentType ?? null,
      layers: Array.isArray(parsed.layers) ? parsed.layers.length : 0,
    };
  }
}
