// Contract of the Faces & persons feature: "where else is this person" over one agent's face index
// (`GET /v1/faces/:id/similar`), the persons the agent clustered, and naming them. Faces live on the agent that
// analysed the media, so every call names the agent ("local" is the built-in "This computer" agent).
import { z } from 'zod';
import { Box } from '#agent/contracts/result-document.js';
import { defineInvoke } from './define.js';

const AgentId = z.string().min(1).max(100).default('local');

/** Where a face was found: the analysed media, as the agent's job remembers it. */
export const FaceSource = z.object({
  jobId: z.string(),
  /** The file name the media was submitted under; null when the agent no longer has the job. */
  fileName: z.string().nullable(),
  mediaKind: z.enum(['image', 'video', 'audio']).nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  analysedAt: z.string().nullable(),
});
export type FaceSource = z.infer<typeof FaceSource>;

export const FaceMatch = z.object({
  faceId: z.string(),
  box: Box,
  personId: z.string().nullable(),
  personName: z.string().nullable(),
  /** Cosine similarity of the two face embeddings, -1..1 (the same face ≈ 1). */
  similarity: z.number(),
  source: FaceSource,
});
export type FaceMatch = z.infer<typeof FaceMatch>;

export const SimilarFacesResult = z.object({
  agentId: z.string(),
  face: FaceMatch.omit({ similarity: true }),
  similar: z.array(FaceMatch),
  /**
   * From this similarity the agent counts a face as the same person (its MEDIAFLEET_PERSON_SIMILARITY); null
   * from an agent too old to say.
   */
  personSimilarity: z.number().nullable(),
});
export type SimilarFacesResult = z.infer<typeof SimilarFacesResult>;

export const Person = z.object({
  id: z.string(),
  name: z.string().nullable(),
  faceCount: z.number().int(),
  createdAt: z.string(),
  /** A face of this person with a stored picture (faces:crop): the person's thumbnail. */
  coverFaceId: z.string().nullable(),
});
export type Person = z.infer<typeof Person>;

export const searchSimilarFaces = defineInvoke('faces:similar', {
  input: z.object({
    agentId: AgentId,
    /** The face's id on that agent: `embeddingId` of a face in a result document. */
    faceId: z.string().min(1).max(100),
    limit: z.number().int().min(1).max(100).default(24),
  }),
  output: SimilarFacesResult,
  readOnly: true,
});

export const listPersons = defineInvoke('faces:persons', {
  input: z.object({ agentId: AgentId }),
  output: z.array(Person),
  readOnly: true,
});

export const personFaces = defineInvoke('faces:person', {
  input: z.object({ agentId: AgentId, personId: z.string().min(1).max(100) }),
  output: Person.extend({ faces: z.array(FaceMatch.omit({ similarity: true })) }),
  readOnly: true,
});

export const namePerson = defineInvoke('faces:name-person', {
  input: z.object({
    agentId: AgentId,
    personId: z.string().min(1).max(100),
    /** null (or blank) clears the name. */
    name: z.string().trim().max(200).nullable(),
  }),
  output: Person,
});

/** Face pictures are 128 px JPEGs of a few kB; anything near this is not one and is refused. */
export const FACE_CROP_MAX_BYTES = 256 * 1024;

/** The stored picture of one face, as the agent that indexed it serves it (cut when the face was indexed). */
export const faceCrop = defineInvoke('faces:crop', {
  input: z.object({ agentId: AgentId, faceId: z.string().min(1).max(100) }),
  output: z.object({ mime: z.literal('image/jpeg'), dataBase64: z.string().max(Math.ceil(FACE_CROP_MAX_BYTES / 3) * 4) }),
  readOnly: true,
});

/** Two persons the agent kept apart are one: `mergePersonId`'s faces join `personId`, which keeps its name. */
export const mergePersons = defineInvoke('faces:merge-persons', {
  input: z.object({ agentId: AgentId, personId: z.string().min(1).max(100), mergePersonId: z.string().min(1).max(100) }),
  output: Person,
});

export const facesContract = {
  [faceCrop.name]: faceCrop,
  [mergePersons.name]: mergePersons,
  [searchSimilarFaces.name]: searchSimilarFaces,
  [listPersons.name]: listPersons,
  [personFaces.name]: personFaces,
  [namePerson.name]: namePerson,
};
