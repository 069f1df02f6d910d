// The speaker index over the agent's SQLite file, for a process part that was not handed one (the HTTP routes
// until the server passes its own). SQLite in WAL mode serves several connections to one file.
import path from 'node:path';
import { openDatabase } from '../store/database.js';
import { SpeakerIndex } from './speaker-index.js';
import { SpeakersRepository } from './speakers-repository.js';

export function openSpeakerIndex(dataDir: string): { index: SpeakerIndex; close(): void } {
  const { db, hasVectorSearch } = openDatabase(path.join(dataDir, 'agent.sqlite'));
  return { index: new SpeakerIndex(new SpeakersRepository(db, hasVectorSearch)), close: () => db.close() };
}
