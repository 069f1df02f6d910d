// Face search and persons. A finished job's face vectors go into the tenant's index and the result keeps only
// their ids; each new face joins the person of its nearest existing face when they are similar enough, else it
// starts a new person (single-linkage clustering, incremental, so no batch re-clustering is needed).
import crypto from 'node:crypto';
import { AgentError } from '../errors.js';
import type { Face, ResultDocument } from '../contracts/result-document.js';
import type { FacesRepository, PersonRecord, SimilarFace, StoredFace } from '../store/faces-repository.js';

export class FaceIndex {
  constructor(
    private readonly faces: FacesRepository,
    private readonly personSimilarity: number,
  ) {}

  /**
   * Stores every face vector in the result and returns the result with `embeddingId` on each face; the vector
   * stays in the result only when the client asked for it. Call inside the transaction that finishes the job.
   */
  indexResultFaces(tenant: string, jobId: string, result: ResultDocument, keepVectors: boolean): ResultDocument {
    const indexFaces = (faces: Face[] | undefined): Face[] | undefined =>
      faces?.map((face, faceIndex) => {
        if (!face.embedding || face.embedding.length === 0) return face;
        const id = crypto.randomUUID();
        const personId = this.personFor(tenant, face.embedding);
        this.faces.insertFace({ id, tenant, jobId, faceIndex, box: face.box, vector: face.embedding, personId });
        const { embedding, ...rest } = face;
        return keepVectors ? { ...rest, embeddingId: id, embedding } : { ...rest, embeddingId: id };
      });
    return {
      ...result,
      faces: indexFaces(result.faces),
      timeline: result.timeline?.map((entry) => ({ ...entry, faces: indexFaces(entry.faces) })),
    };
  }

  findSimilar(tenant: string, faceId: string, limit: number): { face: StoredFace; similar: SimilarFace[] } {
    const face = this.faces.getForTenant(tenant, faceId);
    const vector = this.faces.vectorOf(tenant, faceId);
    if (!face || !vector) throw new AgentError('NOT_FOUND', `no face ${faceId}`);
    return { face, similar: this.faces.nearest(tenant, vector, { limit, excludeId: faceId }) };
  }

  listPersons(tenant: string): PersonRecord[] {
    return this.faces.listPersons(tenant);
  }

  personWithFaces(tenant: string, personId: string): { person: PersonRecord; faces: StoredFace[] } {
    const person = this.faces.getPerson(tenant, personId);
    if (!person) throw new AgentError('NOT_FOUND', `no person ${personId}`);
    return { person, faces: this.faces.listForPerson(tenant, personId) };
  }

  namePerson(tenant: string, personId: string, name: string | null): PersonRecord {
    if (!this.faces.renamePerson(tenant, personId, name)) throw new AgentError('NOT_FOUND', `no person ${personId}`);
    return this.faces.getPerson(tenant, personId)!;
  }

  private personFor(tenant: string, vector: number[]): string {
    const [nearest] = this.faces.nearest(tenant, vector, { limit: 1 });
    if (nearest?.personId && nearest.similarity >= this.personSimilarity) return nearest.personId;
    const id = crypto.randomUUID();
    this.faces.insertPerson(id, tenant);
    return id;
  }
}
