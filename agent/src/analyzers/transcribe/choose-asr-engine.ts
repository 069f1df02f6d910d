// Picks the transcription engine: the one asked for (`--asr-engine pocketsphinx|whisper.cpp|<model id>`), or the
// best one installed. Asking for an engine that is not installed is an error, never a silent substitution.
import { AgentError } from '../../errors.js';
import { defaultModelManager, type ModelManager } from '../../models/model-manager.js';
import type { AsrEngine } from './asr-engine.js';
import { createPocketsphinxEngine } from './pocketsphinx-engine.js';
import { createWhisperCppEngine } from './whisper-cpp-engine.js';

export function knownAsrEngines(manager?: ModelManager): AsrEngine[] {
  return [createWhisperCppEngine({ manager }), createPocketsphinxEngine()];
}

export async function chooseAsrEngine(requested: string | undefined, manager: ModelManager = defaultModelManager()): Promise<AsrEngine> {
  const engines = knownAsrEngines(manager);
  if (requested) {
    let engine = engines.find((e) => e.id === requested);
    if (!engine) {
      // A model id selects its engine with that model.
      const manifest = (await manager.manifests()).find((m) => m.id === requested && m.task === 'asr');
      if (!manifest) {
        const known = [...engines.map((e) => e.id), ...(await manager.manifests()).filter((m) => m.task === 'asr').map((m) => m.id)];
        throw new AgentError('BAD_REQUEST', `unknown ASR engine "${requested}"; known: ${known.join(', ')}`);
      }
      engine = createWhisperCppEngine({ manager, modelId: manifest.id });
    }
    const availability = await engine.availability();
    if (!availability.available) throw new AgentError('MODEL_MISSING', `ASR engine ${requested} is not available: ${availability.reason}`);
    return engine;
  }
  for (const engine of [...engines].sort((a, b) => b.rank - a.rank)) {
    if ((await engine.availability()).available) return engine;
  }
  throw new AgentError('MODEL_MISSING', 'no speech-to-text engine is installed (Debian: pocketsphinx pocketsphinx-en-us, or pull a whisper model)');
}
