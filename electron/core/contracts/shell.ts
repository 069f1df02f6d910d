// Contract of terminals: an interactive shell on a server (ssh2 shell channel) or on this computer
// (node-pty). Output arrives as 'shell:data' events { sessionId, data } and 'shell:exit' { sessionId, code }.
import { z } from 'zod';
import { defineEvent, defineInvoke } from './define.js';

export const openShell = defineInvoke('shell:open', {
  input: z.object({
    /** A server id, or 'local' for a shell on this computer. */
    target: z.union([z.literal('local'), z.string().uuid()]),
    cols: z.number().int().min(1).max(1000).default(80),
    rows: z.number().int().min(1).max(1000).default(24),
  }),
  output: z.object({ sessionId: z.string() }),
});

export const writeShell = defineInvoke('shell:write', {
  input: z.object({ sessionId: z.string(), data: z.string().max(65536) }),
  output: z.object({ ok: z.boolean() }),
});

export const resizeShell = defineInvoke('shell:resize', {
  input: z.object({ sessionId: z.string(), cols: z.number().int().min(1).max(1000), rows: z.number().int().min(1).max(1000) }),
  output: z.object({ ok: z.boolean() }),
});

export const closeShell = defineInvoke('shell:close', {
  input: z.object({ sessionId: z.string() }),
  output: z.object({ ok: z.boolean() }),
});

export const ShellData = z.object({ sessionId: z.string(), data: z.string() });
export const ShellExit = z.object({ sessionId: z.string(), code: z.number().nullable() });
export const shellDataEvent = defineEvent('shell:data', ShellData);
export const shellExitEvent = defineEvent('shell:exit', ShellExit);

export const shellContract = {
  [openShell.name]: openShell,
  [writeShell.name]: writeShell,
  [resizeShell.name]: resizeShell,
  [closeShell.name]: closeShell,
};
