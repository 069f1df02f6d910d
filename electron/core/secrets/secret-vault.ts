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
  /** The budget alerts' webhook URL: such URLs usually carry their own token. */
  budgetWebhookUrl: 'costs:budget-webhook-url',
  /** The admin token a rented instance's agent is started with, kept until the agent is registered under its id. */
  vastRentalToken: (rentalId: string) => `vast:rental-token:${rentalId}`,
  /** The one-time secret a rented instance's agent pairs with (in its env instead of the token), kept as long as the token. */
  vastPairingSecret: (rentalId: string) => `vast:pairing-secret:${rentalId}`,
  /** Vast's image_login for the GPU image's registry ("-u USER -p PASSWORD REGISTRY"). */
  vastImageLogin: () => 'vast:image-login',
} as const;
