// What the set-up offers to download: the models whose manifest says `setupOffer` (the default Whisper model and
// the voice-activity model it reads speech with), how large they are, and whether their source answers from
// here. Once pulled they are used by default: the engine choice takes the best installed model.
import { existsSync } from 'node:fs';
import type { ModelManager, ModelStatus } from './model-manager.js';

export interface SetupOffer {
  /** Offered models not installed yet (empty: nothing to download). */
  models: ModelStatus[];
  /** Offered models already installed. */
  installed: ModelStatus[];
  /** Bytes still to download (partial downloads already on disk are counted off). */
  bytes: number;
}

export async function setupOffer(manager: ModelManager): Promise<SetupOffer> {
  const offered = (await manager.manifests()).filter((m) => m.setupOffer);
  const statuses = await Promise.all(offered.map((m) => manager.status(m)));
  const missing = statuses.filter((s) => !s.installed);
  const bytes = missing.flatMap((s) => s.files.filter((f) => !f.present)).reduce((sum, f) => sum + Math.max(0, (f.size ?? 0) - f.partialBytes), 0);
  return { models: missing, installed: statuses.filter((s) => s.installed), bytes };
}

/** "141 MiB": sizes as a person reads them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/**
 * Whether the first file of each offered model can be fetched from here (its URL, or the mirror), asked with a
 * one-byte range request so no time is spent when there is no internet. Resolves with the first problem, or
 * undefined when every source answered.
 */
export async function unreachableSource(manager: ModelManager, models: ModelStatus[], timeoutMs = 8000): Promise<string | undefined> {
  for (const model of models) {
    const file = model.files.find((f) => !f.present);
    if (!file) continue;
    const source = manager.downloadSource(model.id, file.name, file.url);
    if (!/^https?:\/\//.test(source)) {
      if (!existsSync(source)) return `${source} does not exist (MEDIAFLEET_MODEL_MIRROR)`;
      continue;
    }
    try {
      const res = await fetch(source, { headers: { range: 'bytes=0-0' }, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
      await res.body?.cancel();
      if (!res.ok) return `${new URL(source).host} answered HTTP ${res.status}`;
    } catch (err) {
      const cause = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      return `cannot reach ${new URL(source).host} (${cause})`;
    }
  }
  return undefined;
}

/** The offer as one sentence, for the set-up's terminal. */
export function describeOffer(offer: SetupOffer): string {
  if (offer.models.length === 0) {
    return offer.installed.length > 0
      ? `Models offered by the set-up are installed (${offer.installed.map((m) => m.id).join(', ')}); transcription uses them by default.`
      : 'No model is offered for download.';
  }
  const asr = offer.models.find((m) => m.task === 'asr');
  const names = offer.models.map((m) => m.id).join(' + ');
  const why = asr
    ? `${asr.id} transcribes speech far better than PocketSphinx (the fallback that needs no download) and is then used by default`
    : 'they are then used by default';
  return `Download ${names} (${formatBytes(offer.bytes)})? ${why}.`;
}

export function pullCommand(offer: SetupOffer): string {
  return offer.models.map((m) => `npm run agent -- models pull ${m.id}`).join(' && ');
}
