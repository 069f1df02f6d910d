// Contract of the servers feature: adding VPS servers over SSH, pinning their host keys, testing the
// connection and collecting preflight facts before provisioning.
import { z } from 'zod';
import { defineInvoke } from './define.js';

export const ServerAuth = z.discriminatedUnion('kind', [
  /** An existing private key; the key goes straight into the vault, never into the store. */
  z.object({
    kind: z.literal('key'),
    privateKey: z.string().min(1),
    passphrase: z.string().optional(),
  }),
  /** The console generates an ed25519 key, installs it with a one-time password login, then disables passwords. */
  z.object({ kind: z.literal('generate'), password: z.string().min(1), disablePasswordLogin: z.boolean().default(true) }),
  /** An ssh-agent socket (SSH_AUTH_SOCK when omitted). */
  z.object({ kind: z.literal('agent'), socket: z.string().optional() }),
]);
export type ServerAuth = z.infer<typeof ServerAuth>;

export const ServerSummary = z.object({
  id: z.string().uuid(),
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  user: z.string(),
  authKind: z.enum(['key', 'generate', 'agent']),
  /** sha256 fingerprint of the pinned host key (OpenSSH style "SHA256:..."), null before first contact. */
  hostKeyFingerprint: z.string().nullable(),
  createdAt: z.string(),
});
export type ServerSummary = z.infer<typeof ServerSummary>;

export const AddServerInput = z.object({
  name: z.string().min(1).max(100),
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1).max(64),
  auth: ServerAuth,
  /**
   * Keep the server when it cannot be reached yet (not booted, firewall not open), to set it up later from its
   * Server view; its host key is pinned at the first contact then. Only with a key or an ssh-agent login: a
   * password is used once and never kept, so the console could not log in later.
   */
  keepIfUnreachable: z.boolean().default(false),
});

export const AddServerResult = ServerSummary.extend({
  /** False when the server was kept without being reached (keepIfUnreachable); set it up later. */
  reached: z.boolean(),
});

export const addServer = defineInvoke('servers:add', {
  input: AddServerInput,
  output: AddServerResult,
});

export const listServers = defineInvoke('servers:list', {
  input: z.object({}).default({}),
  output: z.array(ServerSummary),
  readOnly: true,
});

export const removeServer = defineInvoke('servers:remove', {
  input: z.object({ serverId: z.string().uuid() }),
  output: z.object({ removed: z.boolean() }),
});

/** The public half of the console's login key for a server (null for ssh-agent logins). Nothing secret. */
export const serverPublicKey = defineInvoke('servers:public-key', {
  input: z.object({ serverId: z.string().uuid() }),
  output: z.object({
    authKind: z.enum(['key', 'generate', 'agent']),
    /** authorized_keys form: "<type> <base64> mediafleet-<server name>". */
    publicKey: z.string().nullable(),
    fingerprint: z.string().nullable(),
  }),
  readOnly: true,
});

export const testConnection = defineInvoke('servers:test-connection', {
  input: z.object({ serverId: z.string().uuid() }),
  output: z.object({ ok: z.boolean(), latencyMs: z.number(), hostKeyFingerprint: z.string() }),
});

/** Accept a changed host key after the operator has verified it out of band (audited). */
export const repinHostKey = defineInvoke('servers:repin-host-key', {
  input: z.object({ serverId: z.string().uuid(), fingerprint: z.string().startsWith('SHA256:') }),
  output: z.object({ ok: z.boolean() }),
});

export const PreflightCheck = z.object({
  id: z.string(),
  label: z.string(),
  status: z.enum(['pass', 'warn', 'fail']),
  detail: z.string(),
});

export const PreflightReport = z.object({
  os: z.object({ id: z.string(), versionId: z.string(), prettyName: z.string() }),
  arch: z.string(),
  cpuCount: z.number().int(),
  memoryBytes: z.number(),
  diskFreeBytes: z.number(),
  diskTotalBytes: z.number(),
  sudo: z.enum(['root', 'passwordless', 'none']),
  listeningPorts: z.array(z.number().int()),
  docker: z.object({ present: z.boolean(), version: z.string().nullable() }),
  checks: z.array(PreflightCheck),
  ok: z.boolean(),
});
export type PreflightReport = z.infer<typeof PreflightReport>;

export const preflight = defineInvoke('servers:preflight', {
  input: z.object({ serverId: z.string().uuid() }),
  output: PreflightReport,
});

export const serversContract = {
  [addServer.name]: addServer,
  [listServers.name]: listServers,
  [removeServer.name]: removeServer,
  [serverPublicKey.name]: serverPublicKey,
  [testConnection.name]: testConnection,
  [repinHostKey.name]: repinHostKey,
  [preflight.name]: preflight,
};
