// Wires the console's parts for one process: the event hub, the built-in agent, the analysis service and the
// handler table. Electron main and the headless server both start the console through this.
import { join } from 'node:path';
import { consoleMethods } from '../core/api.js';
import { AnalysisService } from '../core/analyze/analysis-service.js';
import { createAnalyzeHandlers, localAgentResolver } from '../core/analyze/analyze-handlers.js';
import { createConsoleCore, type ConsoleCore, type VaultConfig } from '../core/console-core.js';
import type { Envelope } from '../core/contracts/define.js';
import { LocalAgent } from '../core/local-agent/local-agent.js';
import { EventHub } from './event-hub.js';
import type { ConsoleHandlers } from './invoke-method.js';

export interface ConsoleRuntimeOptions {
  appRoot: string;
  dataDir: string;
  /** Start the built-in agent right away instead of on the first submission. */
  startLocalAgent: boolean;
  onLog?: (line: string) => void;
  /** Node binary for the built-in agent (see LocalAgentOptions.nodePath). */
  nodePath?: string;
  /** Where secrets live: safeStorage in the app, a passphrase file vault in the headless console. */
  vault: VaultConfig;
}

export interface ConsoleRuntime {
  methods: typeof consoleMethods;
  handlers: ConsoleHandlers;
  events: EventHub;
  localAgent: LocalAgent;
  analysis: AnalysisService;
  core: ConsoleCore;
  /** Hands methods this process does not implement itself to the console core. */
  delegate(name: string, input: unknown): Promise<Envelope<unknown>>;
  close(): Promise<void>;
}

export function createConsoleRuntime(options: ConsoleRuntimeOptions): ConsoleRuntime {
  const events = new EventHub();
  const core = createConsoleCore({ storePath: join(options.dataDir, 'console.sqlite'), vault: options.vault });
  core.provision.events.on('operation', (event) => events.publish('operation', event));
  core.shells.events.on('data', (event) => events.publish('shell:data', event));
  core.shells.events.on('exit', (event) => events.publish('shell:exit', event));
  const localAgent = new LocalAgent({
    appRoot: options.appRoot,
    dataDir: join(options.dataDir, 'local-agent'),
    onStateChange: (state) => events.publish('agents:local', state),
    onLog: options.onLog,
    nodePath: options.nodePath,
  });
  core.agentDirectory.useLocalAgent(() => localAgent.start());
  const analysis = new AnalysisService({
    agents: localAgentResolver(localAgent),
    onChange: (submission) => events.publish('analyze', submission),
  });
  if (options.startLocalAgent) localAgent.start().catch(() => undefined /* its state says why */);
  const handlers: ConsoleHandlers = {
    ...createAnalyzeHandlers(analysis, localAgent),
  };
  return {
    methods: consoleMethods,
    handlers,
    events,
    localAgent,
    analysis,
    core,
    delegate: (name, input) => core.invoke(name, input),
    async close() {
      analysis.close();
      await localAgent.stop();
      await core.close();
    },
  };
}
