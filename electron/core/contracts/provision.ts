// Contract of provisioning: a plan of idempotent steps (service user, SSH hardening, firewall, Docker, and the
// deploy steps of a server with deploy settings) run against one server as an operation of kind 'provision'.
// It is followed, cancelled and resumed through the operations contract (`operations:*`).
import { z } from 'zod';
import { defineInvoke, OperationStarted } from './define.js';

export const ProvisionOptions = z.object({
  serviceUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/).default('mediafleet'),
  /** Ports the firewall leaves open; the console needs 22, the agent is served on 80/443. */
  openPorts: z.array(z.number().int().min(1).max(65535)).default([22, 80, 443]),
});
export type ProvisionOptions = z.output<typeof ProvisionOptions>;

export const startProvision = defineInvoke('provision:start', {
  input: z.object({ serverId: z.string().uuid(), options: ProvisionOptions.default({ serviceUser: 'mediafleet', openPorts: [22, 80, 443] }) }),
  output: OperationStarted,
});

export const provisionContract = {
  [startProvision.name]: startProvision,
};
