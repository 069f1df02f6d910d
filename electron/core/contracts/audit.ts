// Contract of the audit log: who did what to which server, never with secrets in it.
import { z } from 'zod';
import { defineInvoke } from './define.js';

export const AuditEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  targetId: z.string().nullable(),
  /** The target's name (a server, an agent) as the console knows it now, or as recorded; null when unknown. */
  targetName: z.string().nullable().default(null),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const listAudit = defineInvoke('audit:list', {
  input: z.object({
    targetId: z.string().optional(),
    limit: z.number().int().min(1).max(1000).default(200),
    beforeId: z.number().int().optional(),
  }),
  output: z.array(AuditEntry),
  readOnly: true,
});

export const auditContract = { [listAudit.name]: listAudit };
