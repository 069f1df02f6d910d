// Imported before any contract module: zod 4 probes `new Function` when a z.object() is created unless it is
// jitless, and the strict CSP (script-src 'self', no 'unsafe-eval') refuses that probe and reports it as a
// violation. Jitless parsing is slower only for hot server-side loops, which the renderer does not have.
import { z } from 'zod';

z.config({ jitless: true });
