// The one place secrets live (SSH private keys, agent admin tokens, cloud keys). The store only ever holds
// the *name* of a secret; values never reach SQLite, logs or the audit log.
export interface SecretVault {
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<boolean>;
  has(name: string): Promise<boolean>;
}

/** Names of the secrets the console keeps, so every feature spells them the same way. */
export const secretNames = {
  sshPrivateKey: (serverId: string) => `ssh:private-key:${serverId}`,
  sshKeyPassphrase: (serverId: string) => `ssh:key-passphrase:${serverId}`,
  agentAdminToken: (agentId: string) => `agent:admin-token:${agentId}`,
  cloudApiKey: (provider: string) => `cloud:api-key:${provider}`,
} as const;
