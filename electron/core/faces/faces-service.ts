// Face search and persons for the console: asks the agent that holds the faces, and adds what a person needs
// to recognise a match — the media each face came from (the agent's job) and the person's name.
import type { AgentFace, AgentJob, AgentPerson, AgentSimilarFaces } from '../analyze/agent-http-client.js';
import { ConsoleError } from '../contracts/define.js';
import type { FaceMatch, FaceSource, Person, SimilarFacesResult } from '../contracts/faces.js';

/** What face search needs from one agent; AgentHttpClient is the real one. */
export interface FaceSearchPort {
  similarFaces(faceId: string, limit: number): Promise<AgentSimilarFaces>;
  listPersons(): Promise<AgentPerson[]>;
  getPerson(personId: string): Promise<AgentPerson & { faces: AgentFace[] }>;
  namePerson(personId: string, name: string | null): Promise<AgentPerson>;
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
    };
  }

  async persons(agentId: string): Promise<Person[]> {
    const { client } = await this.agents.resolve(agentId);
    const persons = await client.listPersons();
    // Named people first (the ones a user cares about), then the biggest clusters.
    return persons.sort((a, b) => Number(b.name !== null) - Number(a.name !== null) || b.faceCount - a.faceCount || a.createdAt.localeCompare(b.createdAt));
  }

  async person(agentId: string, personId: string): Promise<Person & { faces: Located[] }> {
    const { client } = await this.agents.resolve(agentId);
    const person = await client.getPerson(personId).catch(notFoundAs('PERSON_NOT_FOUND', `agent "${agentId}" has no person ${personId}`));
    const faces = await this.locate(client, person.faces);
    return { id: person.id, name: person.name, faceCount: person.faceCount, createdAt: person.createdAt, faces: faces.map((f) => ({ ...f, personName: person.name })) };
  }

  async name(agentId: string, personId: string, name: string | null): Promise<Person> {
    const { client } = await this.agents.resolve(agentId);
    const cleaned = name?.trim() ? name.trim() : null;
    const person = await client.namePerson(personId, cleaned).catch(notFoundAs('PERSON_NOT_FOUND', `agent "${agentId}" has no person ${personId}`));
    this.audit?.record('person.named', agentId, { personId, name: cleaned });
    return person;
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

async function sourceOf(client: FaceSearchPort, jobId: string): Promise<FaceSource> {
  try {
    const job = (await client.getJob(jobId)) as AgentJob & { file?: string; finishedAt?: string | null };
    const media = (job.result as { media?: { kind?: 'image' | 'video' | 'audio'; width?: number; height?: number } } | undefined)?.media;
    return {
      jobId,
      fileName: job.file ?? null,
      mediaKind: media?.kind ?? null,
      width: media?.width ?? null,
      height: media?.height ?? null,
      analysedAt: job.finishedAt ?? null,
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
