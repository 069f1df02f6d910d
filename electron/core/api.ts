// The console contract: the one list of methods the renderer may call, whichever transport carries them
// (Electron IPC in the app, HTTP + WebSocket in the headless console). Each feature defines its methods in
// `contracts/<feature>.ts`; add them to `consoleMethods` below.
import type { InvokeDef } from './contracts/define.js';
import { analyzeContract } from './contracts/analyze.js';
import { auditContract } from './contracts/audit.js';
import { benchmarksContract } from './contracts/benchmarks.js';
import { deployContract } from './contracts/deploy.js';
import { facesContract } from './contracts/faces.js';
import { healthContract } from './contracts/health.js';
import { provisionContract } from './contracts/provision.js';
import { serversContract } from './contracts/servers.js';
import { shellContract } from './contracts/shell.js';
import { sslContract } from './contracts/ssl.js';
import { tokensContract } from './contracts/tokens.js';

export * from './contracts/define.js';

export const consoleMethods: Record<string, InvokeDef> = {
  // feature contracts are spread in here, e.g. ...serversContract
  ...serversContract,
  ...provisionContract,
  ...healthContract,
  ...auditContract,
  ...shellContract,
  ...analyzeContract,
  ...deployContract,
  ...sslContract,
  ...facesContract,
  ...benchmarksContract,
  ...tokensContract,
};

export type ConsoleMethodName = keyof typeof consoleMethods;
