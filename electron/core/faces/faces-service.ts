// Face search and persons for the console: asks the agent that holds the faces, and adds what a person needs
// to recognise a match — the media each face came from (the agent's job) and the person's name.
import type { AgentFace, AgentJob, AgentPerson, AgentPersonDetail, AgentSimilarFaces } from '../agents/agent-http-client.js';
import { ConsoleError } from '../contracts/define.js';
import { FACE_CROP_MAX_BYTES, type FaceMatch, type FaceSource, type Person, type SimilarFacesResult } from '../contracts/faces.js';

/** What face search needs from one agent; AgentHttpClient is the real one. */
export interface FaceSearchPort {
  similarFaces(faceId: string, limit: number): Promise<AgentSimilarFaces>;
  listPersons(): Promise<AgentPerson[]>;
  getPerson(personId: string): Promise<AgentPersonDetail>;
  namePerson(personId: string, name: string | null): Promise<AgentPerson>;
  mergePersons(intoId: string, fromId: string): Promise<AgentPerson>;
  faceCrop(faceId: string, maxBytes: number): Promise<Buffer>;
  getJob(jobId: string): Promise<AgentJob>;
}

export interface FaceAgents {
  resolve(agentId: string): Promise<{ client: FaceSearchPort }>;
}

/** Naming people is an operator action worth a record (the console's audit log). */
export interface FacesAudit {
  record(action: string, targetId: string | null, detail?: Record<string, unknown>): void;
}

type Located = Omit<FaceMatch, 'similarity'>;

export class FacesService {
  constructor(
    private readonly agents: FaceAgents,
    private readonly audit?: FacesAudit,
  ) {}

  async similar(agentId: string, faceId: string, limit: number): Promise<SimilarFacesResult> {
    const { client } = await this.agents.resolve(agentId);
    const found = await client.similarFaces(faceId, limit).catch((err: unknown) => {
      if (err instanceof ConsoleError && err.code === 'AGENT_NOT_FOUND') {
        throw new ConsoleError('FACE_NOT_FOUND', `agent "${agentId}" has no face ${faceId}; faces are searched on the agent that analysed the media`);
      }
      throw err;
    });
    const [located, persons] = await Promise.all([this.locate(client, [found.face, ...found.similar]), client.listPersons()]);
    const names = new Map(persons.map((p) => [p.id, p.name]));
    const withName = (f: Located): Located => ({ ...f, personName: f.personId ? (names.get(f.personId) ?? null) : null });
    const [face, ...rest] = located.map(withName);
    return {
      agentId,
      face: face!,
      similar: rest.map((f, i) => ({ ...f, similarity: found.similar[i]!.similarity })),
      personSimilarity: found.personSimilarity ?? null,
    };
  }

  /** The face's picture as the agent stored it when it indexed the face. */
  async crop(agentId: string, faceId: string): Promise<Buffer> {
    const { client } = await this.agents.resolve(agentId);
    const jpeg = await client.faceCrop(faceId, FACE_CROP_MAX_BYTES).catch((err: unknown) => {
      if (err instanceof ConsoleError && err.code === 'AGENT_NOT_FOUND') {
        // The agent says which: an unknown face, or one indexed before it kept pictures.
        throw new ConsoleError(/no stored picture/.test(err.message) ? 'FACE_CROP_MISSING' : 'FACE_NOT_FOUND', err.message.replace(/^the agent refused: /, ''));
      }
      throw err;
    });
    if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new ConsoleError('AGENT_BAD_RESPONSE', `the agent answered the picture of face ${faceId} with something that is not a JPEG`);
    return jpeg;
  }

  async merge(agentId: string, personId: string, mergePersonId: string): Promise<Person> {
    if (personId === mergePersonId) throw new ConsoleError('PERSONS_SAME', 'a person cannot be merged with itself; choose two different persons');
    const { client } = await this.agents.resolve(agentId);
    const merged = await client.mergePersons(personId, mergePersonId).catch(notFoundAs('PERSON_NOT_FOUND', `agent "${agentId}" does not have both persons any more`));
    this.audit?.record('person.merged', agentId, { personId, mergedPersonId: mergePersonId, name: merged.name, faceCount: merged.faceCount });
    return toPerson(merged);
  }

  async persons(agentId: string): Promise<Person[]> {
    const { client } = await this.agents.resolve(agentId);
    const persons = await client.listPersons();
    // Named people first (the ones a user cares about), then the biggest clusters.
    return persons.map(toPerson).sort((a, b) => Number(b.name !== null) - Number(a.name !== null) || b.faceCount - a.faceCount || a.createdAt.localeCompare(b.createdAt));
  }

  async person(agentId: string, personId: string): Promise<Person & { faces: Located[] }> {
    const { client } = await this.agents.resolve(agentId);
    const person = await client.getPerson(personId).catch(notFoundAs('PERSON_NOT_FOUND', `agent "${agentId}" has no person ${personId}`));
    const faces = await this.locate(client, person.faces);
    return { ...toPerson(person), faces: faces.map((f) => ({ ...f, personName: person.name })) };
  }

  async name(agentId: string, personId: string, name: string | null): Promise<Person> {
    const { client } = await this.agents.resolve(agentId);
    const cleaned = name?.trim() ? name.trim() : null;
    const person = await client.namePerson(personId, cleaned).catch(notFoundAs('PERSON_NOT_FOUND', `agent "${agentId}" has no person ${personId}`));
    this.audit?.record('person.named', agentId, { personId, name: cleaned });
    return toPerson(person);
  }

  /** Adds each face's source media, asking the agent once per job. */
  private async locate(client: FaceSearchPort, faces: AgentFace[]): Promise<Located[]> {
    const jobIds = [...new Set(faces.map((f) => f.jobId))];
    const sources = new Map<string, FaceSource>(
      await Promise.all(jobIds.map(async (jobId) => [jobId, await sourceOf(client, jobId)] as const)),
    );
    return faces.map((f) => ({ faceId: f.id, box: f.box, personId: f.personId, personName: null, source: sources.get(f.jobId)! }));
  }
}

/** The contract's Person from the agent's; an older agent names no cover face. */
function toPerson(p: AgentPerson): Person {
  return { id: p.id, name: p.name, faceCount: p.faceCount, createdAt: p.createdAt, coverFaceId: p.coverFaceId ?? null };
}

async function sourceOf(client: FaceSearchPort, jobId: string): Promise<FaceSource> {
  try {
    const job = await client.getJob(jobId);
    const media = job.result?.media;
    return {
      jobId,
      fileName: job.file,
      mediaKind: media?.kind ?? null,
      width: media?.width ?? null,
      height: media?.height ?? null,
      analysedAt: job.finishedAt,
    };
  } catch (err) {
    // The job may have been purged while its faces stay searchable: show the face without its media.
    if (err instanceof ConsoleError && err.code === 'AGENT_NOT_FOUND') {
      return { jobId, fileName: null, mediaKind: null, width: null, height: null, analysedAt: null };
    }
    throw err;
  }
}

function notFoundAs(code: string, message: string) {
  return (err: unknown): never => {
    if (err instanceof ConsoleError && err.code === 'AGENT_NOT_FOUND') throw new ConsoleError(code, message);
    throw err;
  };
}
