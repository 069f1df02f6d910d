// What the audio/video side can do on this machine, for `/v1/info` and `models list`: each ASR engine with the
// model it would use or why it cannot run, and every model manifest with its install state.
import { defaultModelManager, type ModelManager, type ModelStatus } from '../../models/model-manager.js';
import { knownAsrEngines } from '../transcribe/choose-asr-engine.js';

export interface AvCapabilities {
  asrEngines: ({ id: string; available: true; model: string } | { id: string; available: false; reason: string })[];
  /** The engine an unqualified transcription request would use, if any. */
  defaultAsrEngine?: string;
  models: ModelStatus[];
}

export async function describeAvCapabilities(manager: ModelManager = defaultModelManager()): Promise<AvCapabilities> {
  const engines = knownAsrEngines(manager).sort((a, b) => b.rank - a.rank);
  const asrEngines: AvCapabilities['asrEngines'] = [];
  for (const engine of engines) asrEngines.push({ id: engine.id, ...(await engine.availability()) });
  return {
    asrEngines,
    defaultAsrEngine: asrEngines.find((e) => e.available)?.id,
    models: await manager.listModels(),
  };
}
