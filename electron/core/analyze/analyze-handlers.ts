// Binds the Analyze contract to the analysis service and the built-in agent; both transports (Electron IPC,
// headless HTTP) serve these same handlers.
import type { z } from 'zod';
import type { InvokeDef, OutputOf } from '../contracts/define.js';
import { ConsoleError } from '../contracts/define.js';
import type {
  analysisKeyframe,
  analysisResult,
  analysisStatus,
  cancelAnalysis,
  listSubmissions,
  localAgentStatus,
  retryAnalysis,
  submitAnalysis,
} from '../contracts/analyze.js';
import type { LocalAgent } from '../local-agent/local-agent.js';
import { AgentHttpClient, type AgentPort } from './agent-http-client.js';
import type { AgentResolver, AnalysisService } from './analysis-service.js';

/** A handler receives the input after its schema parsed it (defaults filled in). */
type ParsedInput<D> = D extends InvokeDef<infer I, z.ZodType> ? z.output<I> : never;
type Handler<D> = (input: ParsedInput<D>) => Promise<OutputOf<D>>;

/** Only the built-in agent for now; remote agents come with the dispatcher. */
export function localAgentResolver(localAgent: LocalAgent): AgentResolver {
  let client: AgentPort | null = null;
  let forUrl = '';
  return {
    async resolve(agentId) {
      if (agentId !== 'local') throw new ConsoleError('AGENT_UNKNOWN', `no agent "${agentId}"; only "local" (This computer) is available here`);
      const endpoint = await localAgent.start();
      if (!client || forUrl !== endpoint.baseUrl) {
        client = new AgentHttpClient(endpoint);
        forUrl = endpoint.baseUrl;
      }
      return client;
    },
  };
}

export function createAnalyzeHandlers(service: AnalysisService, localAgent: LocalAgent) {
  return {
    'analyze:submit': (async (input) => service.submit(input)) as Handler<typeof submitAnalysis>,
    'analyze:status': (async (input) => service.status(input.submissionId)) as Handler<typeof analysisStatus>,
    'analyze:result': (async (input) => service.result(input.submissionId)) as Handler<typeof analysisResult>,
    'analyze:keyframe': (async (input) => {
      const { index, t, jpeg } = await service.keyframe(input.submissionId, input.index);
      return { index, t, mime: 'image/jpeg', dataBase64: jpeg.toString('base64') };
    }) as Handler<typeof analysisKeyframe>,
    'analyze:list': (async () => service.list()) as Handler<typeof listSubmissions>,
    'analyze:cancel': (async (input) => ({ canceled: await service.cancel(input.submissionId) })) as Handler<typeof cancelAnalysis>,
    'analyze:retry': (async (input) => service.retry(input.submissionId)) as Handler<typeof retryAnalysis>,
    'agents:local-status': (async () => localAgent.state) as Handler<typeof localAgentStatus>,
  };
}
