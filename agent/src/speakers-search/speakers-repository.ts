// Voice embeddings of speech turns, per tenant, in the agent's SQLite file (table `speaker_turns`). Same vector
// storage and search as faces: Float32 BLOBs, cosine distance in SQL with sqlite-vec, else an exact scan in JS.
import { cosineSimilarity } from '../analyzers/faces/cosine-similarity.js';
import type { Db } from '../store/database.js';
import { blobToVector, vectorToBlob } from '../store/faces-repository.js';

export interface StoredSpeakerTurn {
  id: string;
  tenant: string;
  jobId: string;
  turnIndex: number;
  /** The diarizer's label within its job (S1, S2…); the same voice in two jobs has unrelated labels. */
  speaker: string;
  start: number;
  end: number;
  createdAt: number;
}

export interface SimilarSpeakerTurn extends StoredSpeakerTurn {
  similarity: number;
}

interface TurnRow {
  id: string;
  tenant: string;
  job_id: string;
  turn_index: number;
  speaker: string;
  start_sec: number;
  end_sec: number;
  created_at: number;
}

function toTurn(row: TurnRow): StoredSpeakerTurn {
  return {
    id: row.id,
    tenant: row.tenant,
    jobId: row.job_id,
    turnIndex: row.turn_index,
    speaker: row.speaker,
    start: row.start_sec,
    end: row.end_sec,
    createdAt: row.created_at,
  };
}

const columns = 'id, tenant, job_id, turn_index, speaker, start_sec, end_sec, created_at';

export class SpeakersRepository {
  constructor(
    private readonly db: Db,
    private readonly hasVectorSearch: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  insertTurn(turn: Omit<StoredSpeakerTurn, 'createdAt'> & { vector: ArrayLike<number> }): void {
    this.db
      .prepare('INSERT INTO speaker_turns (id, tenant, job_id, turn_index, speaker, start_sec, end_sec, vector, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(turn.id, turn.tenant, turn.jobId, turn.turnIndex, turn.speaker, turn.start, turn.end, vectorToBlob(turn.vector), this.now());
  }

  getForTenant(tenant: string, id: string): StoredSpeakerTurn | undefined {
    const row = this.db.prepare(`SELECT ${columns} FROM speaker_turns WHERE id = ? AND tenant = ?`).get(id, tenant) as TurnRow | undefined;
    return row ? toTurn(row) : undefined;
  }

  vectorOf(tenant: string, id: string): Float32Array | undefined {
    const row = this.db.prepare('SELECT vector FROM speaker_turns WHERE id = ? AND tenant = ?').get(id, tenant) as { vector: Buffer } | undefined;
    return row ? blobToVector(row.vector) : undefined;
  }

  countForJob(jobId: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM speaker_turns WHERE job_id = ?').get(jobId) as { n: number }).n;
  }

  /** The tenant's turns whose voice is most similar to `vector`, best first (cosine similarity). */
  nearest(tenant: string, vector: ArrayLike<number>, opts: { limit: number; excludeJobId?: string; excludeId?: string }): SimilarSpeakerTurn[] {
    const excludeId = opts.excludeId ?? '';
    const excludeJob = opts.excludeJobId ?? '';
    if (this.hasVectorSearch) {
      const rows = this.db
        .prepare(
          `SELECT ${columns}, 1 - vec_distance_cosine(vector, ?) AS similarity FROM speaker_turns
           WHERE tenant = ? AND id != ? AND job_id != ? ORDER BY similarity DESC, id LIMIT ?`,
        )
        .all(vectorToBlob(vector), tenant, excludeId, excludeJob, opts.limit) as Array<TurnRow & { similarity: number }>;
      return rows.map((row) => ({ ...toTurn(row), similarity: row.similarity }));
    }
    const rows = this.db
      .prepare(`SELECT ${columns}, vector FROM speaker_turns WHERE tenant = ? AND id != ? AND job_id != ?`)
      .all(tenant, excludeId, excludeJob) as Array<TurnRow & { vector: Buffer }>;
    return rows
      .map((row) => ({ ...toTurn(row), similarity: cosineSimilarity(vector, blobToVector(row.vector)) }))
      .sort((a, b) => b.similarity - a.similarity || a.id.localeCompare(b.id))
      .slice(0, opts.limit);
  }
}
