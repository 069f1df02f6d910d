// Speaker turns: sherpa-onnx offline diarization (pyannote segmentation + a speaker-embedding model, clustered).
// Both models come from the model manager; when either is absent the analysis reports MODEL_MISSING.
import type { TranscriptSection } from '../../contracts/result-document.js';
import { AgentError } from '../../errors.js';
import type { DecodedAudio } from '../../media/av/decode-audio.js';
import { defaultModelManager, type ModelManager } from '../../models/model-manager.js';
import { loadSherpaOnnx } from '../../runtimes/sherpa/sherpa-onnx.js';
import { embedTurns, loadSpeakerEmbedder, SPEAKER_EMBEDDING_MODEL_ID } from './embed-speaker-turns.js';

export const SEGMENTATION_MODEL_ID = 'speaker-segmentation-pyannote-3.0';
export const EMBEDDING_MODEL_ID = SPEAKER_EMBEDDING_MODEL_ID;

export interface SpeakerTurn {
  start: number;
  end: number;
  speaker: string;
  /** L2-normalised voice embedding of the turn (withEmbeddings); the agent's speaker index swaps it for an id. */
  embedding?: number[];
}

export interface SpeakersResult {
  model: string;
  speakers: string[];
  turns: SpeakerTurn[];
}

export interface DiarizeOptions {
  manager?: ModelManager;
  /** Known number of speakers; default: decided by the clustering threshold. */
  numSpeakers?: number;
  /** Cosine-distance threshold for clustering when the number of speakers is unknown. */
  threshold?: number;
  /** Also compute one embedding per turn, for speaker search across the tenant's media. */
  withEmbeddings?: boolean;
  signal?: AbortSignal;
}

/** Paths of both diarization models, or MODEL_MISSING naming every model that is absent. */
export async function resolveDiarizationModels(manager: ModelManager = defaultModelManager()): Promise<{ segmentation: string; embedding: string }> {
  const missing: string[] = [];
  const paths: string[] = [];
  for (const id of [SEGMENTATION_MODEL_ID, EMBEDDING_MODEL_ID]) {
    try {
      const files = await manager.resolveModelFiles(id);
      paths.push(Object.values(files)[0]);
    } catch (err) {
      if (err instanceof AgentError && err.code === 'MODEL_MISSING') missing.push(id);
      else throw err;
    }
  }
  if (missing.length > 0) {
    throw new AgentError('MODEL_MISSING', `speaker diarization needs ${missing.join(' and ')}; run: ${missing.map((id) => `mediafleet-agent models pull ${id}`).join(' && ')}`, { models: missing });
  }
  return { segmentation: paths[0], embedding: paths[1] };
}

export async function diarizeSpeakers(audio: DecodedAudio, opts: DiarizeOptions = {}): Promise<SpeakersResult> {
  const models = await resolveDiarizationModels(opts.manager);
  const sherpa = loadSherpaOnnx();
  const diarizer = new sherpa.OfflineSpeakerDiarization({
    segmentation: { pyannote: { model: models.segmentation }, numThreads: 1, debug: 0 },
    embedding: { model: models.embedding, numThreads: 1, debug: 0 },
    clustering: { numClusters: opts.numSpeakers ?? -1, threshold: opts.threshold ?? 0.5 },
    minDurationOn: 0.3,
    minDurationOff: 0.5,
  });
  if (opts.signal?.aborted) throw new AgentError('CANCELED');
  const segments = audio.samples.length > 0 ? diarizer.process(audio.samples) : [];
  const turns: SpeakerTurn[] = segments.map((s) => ({ start: s.start, end: s.end, speaker: `S${s.speaker + 1}` }));
  if (opts.withEmbeddings && turns.length > 0) {
    if (opts.signal?.aborted) throw new AgentError('CANCELED');
    const vectors = embedTurns(await loadSpeakerEmbedder(opts.manager), audio, turns);
    turns.forEach((t, i) => {
      if (vectors[i]) t.embedding = vectors[i];
    });
  }
  return { model: `${SEGMENTATION_MODEL_ID}+${EMBEDDING_MODEL_ID}`, speakers: [...new Set(turns.map((t) => t.speaker))].sort(), turns };
}

/** Labels each transcript segment with the speaker whose turns overlap it most. */
export function assignSpeakers(transcript: TranscriptSection, turns: SpeakerTurn[]): TranscriptSection {
  const segments = transcript.segments.map((seg) => {
    const overlap = new Map<string, number>();
    for (const t of turns) {
      const o = Math.min(seg.end, t.end) - Math.max(seg.start, t.start);
      if (o > 0) overlap.set(t.speaker, (overlap.get(t.speaker) ?? 0) + o);
    }
    const best = [...overlap.entries()].sort((a, b) => b[1] - a[1])[0];
    return best ? { ...seg, speaker: best[0] } : seg;
  });
  return { ...transcript, segments };
}
