// Speaker search, "like a face": a finished job's per-turn voice embeddings go into the tenant's index and the
// result keeps only their ids (`speakers.turns[].embeddingId`); any turn can then be searched by its id for the
// most similar voices in the tenant's other media. Vectors never cross tenants.
import crypto from 'node:crypto';
import type { ResultDocument } from '../contracts/result-document.js';
import { AgentError } from '../errors.js';
import type { SimilarSpeakerTurn, SpeakersRepository, StoredSpeakerTurn } from './speakers-repository.js';

/** A speakers turn as the analyzer produces it: the result schema's turn plus its vector, until indexed. */
type TurnWithVector = NonNullable<ResultDocument['speakers']>['turns'][number] & { embedding?: number[] };

export class SpeakerIndex {
  constructor(private readonly turns: SpeakersRepository) {}

  /**
   * Stores every turn vector in the result and returns the result with `embeddingId` on those turns; the vector
   * stays only when the client asked for embeddings. Call inside the transaction that finishes the job.
   */
  indexResultSpeakers(tenant: string, jobId: string, result: ResultDocument, keepVectors: boolean): ResultDocument {
    if (!result.speakers) return result;
    const turns = (result.speakers.turns as TurnWithVector[]).map((turn, turnIndex) => {
      if (!turn.embedding || turn.embedding.length === 0) return turn;
      const id = crypto.randomUUID();
      this.turns.insertTurn({ id, tenant, jobId, turnIndex, speaker: turn.speaker, start: turn.start, end: turn.end, vector: turn.embedding });
      const { embedding, ...rest } = turn;
      return keepVectors ? { ...rest, embeddingId: id, embedding } : { ...rest, embeddingId: id };
    });
    return { ...result, speakers: { ...result.speakers, turns } };
  }

  /**
   * The turns of the tenant's media whose voices are nearest the given turn's, best first. Turns of the same job
   * are left out by default: within one recording the diarizer's labels already say who speaks.
   */
  findSimilar(tenant: string, turnId: string, opts: { limit: number; includeSameJob?: boolean }): { turn: StoredSpeakerTurn; similar: SimilarSpeakerTurn[] } {
    const turn = this.turns.getForTenant(tenant, turnId);
    const vector = this.turns.vectorOf(tenant, turnId);
    if (!turn || !vector) throw new AgentError('NOT_FOUND', `no speaker turn ${turnId}`);
    const similar = this.turns.nearest(tenant, vector, { limit: opts.limit, excludeId: turnId, excludeJobId: opts.includeSameJob ? undefined : turn.jobId });
    return { turn, similar };
  }
}
