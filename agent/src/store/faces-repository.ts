// Face embeddings and persons. Vectors are Float32 BLOBs; with sqlite-vec loaded the cosine distance is computed
// in SQL, otherwise by an exact scan in JS. Every query is filtered by tenant.
import type { Box } from '../contracts/result-document.js';
import type { Db } from './database.js';
import { statementCache } from './statement-cache.js';
import { cosineSimilarity } from '../analyzers/faces/cosine-similarity.js';

export interface StoredFace {
  id: string;
  tenant: string;
  jobId: string;
  faceIndex: number;
  box: Box;
  personId: string | null;
  createdAt: number;
}

export interface SimilarFace extends StoredFace {
  similarity: number;
}

export interface PersonRecord {
  id: string;
  tenant: string;
  name: string | null;
  faceCount: number;
  createdAt: number;
  /** The person's first face that has a stored picture: their thumbnail. Null when none has one. */
  coverFaceId: string | null;
}

/**
 * Face pictures (small JPEGs, see faces-search/face-crops.ts), one per face, gone with their face. Created here
 * rather than as a numbered migration so that this feature's schema stays beside its queries; IF NOT EXISTS
 * makes it safe on every start and on databases made before it.
 */
const faceCropsSchema = `
  CREATE TABLE IF NOT EXISTS face_crops (
    face_id TEXT PRIMARY KEY REFERENCES faces(id) ON DELETE CASCADE,
    jpeg BLOB NOT NULL
  );
`;

interface FaceRow {
  id: string;
  tenant: string;
  job_id: string;
  face_index: number;
  box: string;
  person_id: string | null;
  created_at: number;
}

function toFace(row: FaceRow): StoredFace {
  return {
    id: row.id,
    tenant: row.tenant,
    jobId: row.job_id,
    faceIndex: row.face_index,
    box: JSON.parse(row.box) as Box,
    personId: row.person_id,
    createdAt: row.created_at,
  };
}

export function vectorToBlob(vector: ArrayLike<number>): Buffer {
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
}

export function blobToVector(blob: Buffer): Float32Array {
  return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
}


export class FacesRepository {
  constructor(
    private readonly db: Db,
    private readonly hasVectorSearch: boolean,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(faceCropsSchema);
    this.sql = statementCache(db);
  }

  private readonly sql: ReturnType<typeof statementCache>;

  insertFace(face: { id: string; tenant: string; jobId: string; faceIndex: number; box: Box; vector: ArrayLike<number>; personId: string }): void {
    this.sql('INSERT INTO faces (id, tenant, job_id, face_index, box, vector, person_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(face.id, face.tenant, face.jobId, face.faceIndex, JSON.stringify(face.box), vectorToBlob(face.vector), face.personId, this.now());
  }

  insertCrop(faceId: string, jpeg: Buffer): void {
    this.sql('INSERT OR REPLACE INTO face_crops (face_id, jpeg) VALUES (?, ?)').run(faceId, jpeg);
  }

  /** The face's picture: undefined when the tenant has no such face, null when the face has no picture. */
  cropOf(tenant: string, faceId: string): Buffer | null | undefined {
    const row = this.sql('SELECT c.jpeg AS jpeg FROM faces f LEFT JOIN face_crops c ON c.face_id = f.id WHERE f.id = ? AND f.tenant = ?').get(faceId, tenant) as
      | { jpeg: Buffer | null }
      | undefined;
    return row === undefined ? undefined : row.jpeg;
  }

  getForTenant(tenant: string, id: string): StoredFace | undefined {
    const row = this.sql('SELECT * FROM faces WHERE id = ? AND tenant = ?').get(id, tenant) as FaceRow | undefined;
    return row ? toFace(row) : undefined;
  }

  vectorOf(tenant: string, id: string): Float32Array | undefined {
    const row = this.sql('SELECT vector FROM faces WHERE id = ? AND tenant = ?').get(id, tenant) as { vector: Buffer } | undefined;
    return row ? blobToVector(row.vector) : undefined;
  }

  countForJob(jobId: string): number {
    return (this.sql('SELECT count(*) AS n FROM faces WHERE job_id = ?').get(jobId) as { n: number }).n;
  }

  listForPerson(tenant: string, personId: string): StoredFace[] {
    return (this.sql('SELECT * FROM faces WHERE tenant = ? AND person_id = ? ORDER BY created_at, id').all(tenant, personId) as FaceRow[]).map(toFace);
  }

  /** The tenant's faces most similar to `vector`, best first (cosine similarity, 1 = identical direction). */
  nearest(tenant: string, vector: ArrayLike<number>, opts: { limit: number; excludeId?: string }): SimilarFace[] {
    if (this.hasVectorSearch) {
      const rows = this.sql(
          `SELECT *, 1 - vec_distance_cosine(vector, ?) AS similarity FROM faces
           WHERE tenant = ? AND id != ? ORDER BY similarity DESC, id LIMIT ?`,
        )
        .all(vectorToBlob(vector), tenant, opts.excludeId ?? '', opts.limit) as Array<FaceRow & { similarity: number }>;
      return rows.map((row) => ({ ...toFace(row), similarity: row.similarity }));
    }
    const rows = this.sql('SELECT * FROM faces WHERE tenant = ? AND id != ?').all(tenant, opts.excludeId ?? '') as Array<FaceRow & { vector: Buffer }>;
    return rows
      .map((row) => ({ ...toFace(row), similarity: cosineSimilarity(vector, blobToVector(row.vector)) }))
      .sort((a, b) => b.similarity - a.similarity || a.id.localeCompare(b.id))
      .slice(0, opts.limit);
  }

  insertPerson(id: string, tenant: string): void {
    this.sql('INSERT INTO persons (id, tenant, created_at) VALUES (?, ?, ?)').run(id, tenant, this.now());
  }

  listPersons(tenant: string): PersonRecord[] {
    const rows = this.sql(
        `SELECT p.id, p.tenant, p.name, p.created_at, count(f.id) AS face_count,
           (SELECT cf.id FROM faces cf JOIN face_crops c ON c.face_id = cf.id WHERE cf.person_id = p.id
            ORDER BY cf.created_at, cf.id LIMIT 1) AS cover_face_id
         FROM persons p LEFT JOIN faces f ON f.person_id = p.id WHERE p.tenant = ? GROUP BY p.id ORDER BY p.created_at, p.id`,
      )
      .all(tenant) as Array<{ id: string; tenant: string; name: string | null; created_at: number; face_count: number; cover_face_id: string | null }>;
    return rows.map((r) => ({ id: r.id, tenant: r.tenant, name: r.name, faceCount: r.face_count, createdAt: r.created_at, coverFaceId: r.cover_face_id }));
  }

  getPerson(tenant: string, id: string): PersonRecord | undefined {
    return this.listPersons(tenant).find((p) => p.id === id);
  }

  /**
   * Moves every face of person `fromId` to person `intoId` and removes `fromId`, within one tenant; the merged
   * person keeps its name, or takes the other's when it had none. False when either is not the tenant's.
   */
  mergePersons(tenant: string, intoId: string, fromId: string): boolean {
    return this.db.transaction(() => {
      const into = this.sql('SELECT name FROM persons WHERE id = ? AND tenant = ?').get(intoId, tenant) as { name: string | null } | undefined;
      const from = this.sql('SELECT name FROM persons WHERE id = ? AND tenant = ?').get(fromId, tenant) as { name: string | null } | undefined;
      if (!into || !from) return false;
      this.sql('UPDATE faces SET person_id = ? WHERE person_id = ? AND tenant = ?').run(intoId, fromId, tenant);
      if (into.name === null && from.name !== null) this.sql('UPDATE persons SET name = ? WHERE id = ? AND tenant = ?').run(from.name, intoId, tenant);
      this.sql('DELETE FROM persons WHERE id = ? AND tenant = ?').run(fromId, tenant);
      return true;
    })();
  }

  renamePerson(tenant: string, id: string, name: string | null): boolean {
    return this.sql('UPDATE persons SET name = ? WHERE id = ? AND tenant = ?').run(name, id, tenant).changes === 1;
  }
}
