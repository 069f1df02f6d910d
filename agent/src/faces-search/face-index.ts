// Face search and persons. A finished job's face vectors go into the tenant's index and the result keeps only
// their ids; each new face joins the person of its nearest existing face when they are similar enough, else it
// starts a new person (single-linkage clustering, incremental, so no batch re-clustering is needed).
import crypto from 'node:crypto';
import { AgentError } from '../errors.js';
import type { Face, ResultDocument } from '../contracts/result-document.js';
import type { FacesRepository, PersonRecord, SimilarFace, StoredFace } from '../store/faces-repository.js';
import { faceCropsForResult, faceKey } from './face-crops.js';

export interface FaceIndexOptions {
  /** Where a job's keyframe pictures are (video faces' pictures are read from there). */
  thumbnailsDir?: (jobId: string) => string;
}

export class FaceIndex {
  constructor(
    private readonly faces: FacesRepository,
    /** Cosine similarity from which a new face joins an existing person (MEDIAFLEET_PERSON_SIMILARITY). */
    readonly personSimilarity: number,
    private readonly options: FaceIndexOptions = {},
  ) {}

  /**
   * The pictures of the result's faces, made before the job's input is deleted; pass them to indexResultFaces.
   * A picture that cannot be made is left out: the face is searchable without one.
   */
  async cropsFor(job: { id: string; inputPath: string }, result: ResultDocument): Promise<Map<string, Buffer>> {
    return faceCropsForResult(result, { inputPath: job.inputPath, thumbnailsDir: this.options.thumbnailsDir?.(job.id) }).catch(() => new Map<string, Buffer>());
  }

  /**
   * Stores every face vector in the result (with its picture from `crops`, when there is one) and returns the
   * result with `embeddingId` on each face; the vector stays in the result only when the client asked for it.
   * Call inside the transaction that finishes the job.
   */
  indexResultFaces(tenant: string, jobId: string, result: ResultDocument, keepVectors: boolean, crops: ReadonlyMap<string, Buffer> = new Map()): ResultDocument {
    const indexFaces = (faces: Face[] | undefined, entryIndex: number | null): Face[] | undefined =>
      faces?.map((face, faceIndex) => {
        if (!face.embedding || face.embedding.length === 0) return face;
        const id = crypto.randomUUID();
        const personId = this.personFor(tenant, face.embedding);
        this.faces.insertFace({ id, tenant, jobId, faceIndex, box: face.box, vector: face.embedding, personId });
        const crop = crops.get(faceKey(entryIndex, faceIndex));
        if (crop) this.faces.insertCrop(id, crop);
        const { embedding, ...rest } = face;
        return keepVectors ? { ...rest, embeddingId: id, embedding } : { ...rest, embeddingId: id };
      });
    return {
      ...result,
      faces: indexFaces(result.faces, null),
      timeline: result.timeline?.map((entry, entryIndex) => ({ ...entry, faces: indexFaces(entry.faces, entryIndex) })),
    };
  }

  /** The face's stored picture (JPEG); NOT_FOUND for another tenant's face or a face kept without one. */
  faceCrop(tenant: string, faceId: string): Buffer {
    const crop = this.faces.cropOf(tenant, faceId);
    if (crop === undefined) throw new AgentError('NOT_FOUND', `no face ${faceId}`);
    if (crop === null) throw new AgentError('NOT_FOUND', `face ${faceId} has no stored picture (indexed before this agent kept face pictures)`);
    return crop;
  }

  /** Person `fromId`'s faces join person `intoId`, and `fromId` is gone; the merged person comes back. */
  mergePersons(tenant: string, intoId: string, fromId: string): PersonRecord {
    if (intoId === fromId) throw new AgentError('BAD_REQUEST', 'a person cannot be merged with itself; name two different persons');
    if (!this.faces.mergePersons(tenant, intoId, fromId)) throw new AgentError('NOT_FOUND', `no person ${this.faces.getPerson(tenant, intoId) ? fromId : intoId}`);
    return this.faces.getPerson(tenant, intoId)!;
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
