// The console contract: the one list of methods the renderer may call and of the event channels it hears,
// whichever transport carries them (Electron IPC in the app, HTTP + WebSocket in the headless console). Each
// feature defines its methods and events in `contracts/<feature>.ts`; add them to the tables below.
import type { EventDef, InvokeDef } from './contracts/define.js';
import { agentsContract, localAgentEvent } from './contracts/agents.js';
import { analysisEvent, analyzeContract } from './contracts/analyze.js';
import { auditContract } from './contracts/audit.js';
import { autoscaleContract } from './contracts/autoscale.js';
import { benchmarksContract } from './contracts/benchmarks.js';
import { budgetAlertEvent, costsContract } from './contracts/costs.js';
import { deployContract } from './contracts/deploy.js';
import { facesContract } from './contracts/faces.js';
import { gpuImageContract } from './contracts/gpu-image.js';
import { healthContract } from './contracts/health.js';
import { modelsContract } from './contracts/models.js';
import { operationEvent, operationsContract } from './contracts/operations.js';
import { provisionContract } from './contracts/provision.js';
import { batchEvent, requestEvent, requestsContract } from './contracts/requests.js';
import { serversContract } from './contracts/servers.js';
import { shellContract, shellDataEvent, shellExitEvent } from './contracts/shell.js';
import { sslContract } from './contracts/ssl.js';
import { tokensContract } from './contracts/tokens.js';
import { vastContract } from './contracts/vast.js';

export * from './contracts/define.js';

export const consoleMethods = {
  ...serversContract,
  ...operationsContract,
  ...provisionContract,
  ...healthContract,
  ...auditContract,
  ...shellContract,
  ...agentsContract,
  ...analyzeContract,
  ...requestsContract,
  ...deployContract,
  ...sslContract,
  ...facesContract,
  ...benchmarksContract,
  ...modelsContract,
  ...tokensContract,
  ...costsContract,
  ...vastContract,
  ...gpuImageContract,
  ...autoscaleContract,
} satisfies Record<string, InvokeDef>;

export type ConsoleMethods = typeof consoleMethods;
export type ConsoleMethodName = keyof ConsoleMethods;

export const consoleEvents = {
  [operationEvent.channel]: operationEvent,
  [analysisEvent.channel]: analysisEvent,
  [requestEvent.channel]: requestEvent,
  [batchEvent.channel]: batchEvent,
  [shellDataEvent.channel]: shellDataEvent,
  [shellExitEvent.channel]: shellExitEvent,
  [localAgentEvent.channel]: localAgentEvent,
  [budgetAlertEvent.channel]: budgetAlertEvent,
} satisfies Record<string, EventDef>;

export type ConsoleEventChannel = keyof typeof consoleEvents;

/** The definition of a method by its name as it came over a transport (a plain string), or undefined. */
export function consoleMethodNamed(name: string): InvokeDef | undefined {
  return Object.hasOwn(consoleMethods, name) ? (consoleMethods as Record<string, InvokeDef>)[name] : undefined;
}
