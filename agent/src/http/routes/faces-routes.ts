// Face search and persons, always within the caller's tenant.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { principalOf } from '../auth.js';
import { ErrorBody, JobIdParams, NamePersonBody, PersonDetail, PersonView, SimilarFaces, SimilarQuery } from '../schemas.js';
import type { AgentServices } from '../services.js';
import type { StoredFace } from '../../store/faces-repository.js';
import type { PersonRecord } from '../../store/faces-repository.js';
import { z } from 'zod';

const faceView = (f: StoredFace) => ({ id: f.id, jobId: f.jobId, box: f.box, personId: f.personId });
const personView = (p: PersonRecord) => ({ id: p.id, name: p.name, faceCount: p.faceCount, createdAt: new Date(p.createdAt).toISOString() });

export const facesRoutes = (services: AgentServices): FastifyPluginAsyncZod =>
  async function facesRoutes(app) {
    const { faceIndex } = services;

    app.get(
      '/v1/faces/:id/similar',
      {
        config: { scope: 'submit' },
        schema: {
          summary: "The tenant's faces most similar to this one (cosine similarity of embeddings)",
          params: JobIdParams,
          querystring: SimilarQuery,
          response: { 200: SimilarFaces, 404: ErrorBody },
        },
      },
      async (request) => {
        const { face, similar } = faceIndex.findSimilar(principalOf(request).tenant, request.params.id, request.query.limit);
        return { face: faceView(face), similar: similar.map((s) => ({ ...faceView(s), similarity: s.similarity })) };
      },
    );

    app.get(
      '/v1/persons',
      { config: { scope: 'submit' }, schema: { summary: 'Persons: clusters of similar faces', response: { 200: z.object({ persons: z.array(PersonView) }) } } },
      async (request) => ({ persons: faceIndex.listPersons(principalOf(request).tenant).map(personView) }),
    );

    app.get(
      '/v1/persons/:id',
      { config: { scope: 'submit' }, schema: { summary: 'A person and their faces', params: JobIdParams, response: { 200: PersonDetail, 404: ErrorBody } } },
      async (request) => {
        const { person, faces } = faceIndex.personWithFaces(principalOf(request).tenant, request.params.id);
        return { ...personView(person), faces: faces.map(faceView) };
      },
    );

    app.patch(
      '/v1/persons/:id',
      {
        config: { scope: 'submit' },
        schema: { summary: 'Name a person (null clears the name)', params: JobIdParams, body: NamePersonBody, response: { 200: PersonView, 404: ErrorBody } },
      },
      async (request) => personView(faceIndex.namePerson(principalOf(request).tenant, request.params.id, request.body.name)),
    );
  };
