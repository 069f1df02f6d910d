// Face search, face pictures and persons, always within the caller's tenant: another tenant's face or person
// is answered 404, exactly like one that does not exist.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../auth.js';
import { ErrorBody, JobIdParams, MergePersonsBody, NamePersonBody, PersonDetail, PersonList, PersonView, SimilarFaces, SimilarQuery } from '../../contracts/http-v1.js';
import type { AgentServices } from '../services.js';
import type { StoredFace } from '../../store/faces-repository.js';
import type { PersonRecord } from '../../store/faces-repository.js';

const faceView = (f: StoredFace) => ({ id: f.id, jobId: f.jobId, box: f.box, personId: f.personId });
const personView = (p: PersonRecord) => ({ id: p.id, name: p.name, faceCount: p.faceCount, createdAt: new Date(p.createdAt).toISOString(), coverFaceId: p.coverFaceId });

export const facesRoutes = (services: AgentServices): FastifyPluginAsyncZod =>
  async function facesRoutes(app) {
    const { faceIndex } = services;

    app.get(
      '/v1/faces/:id/similar',
      {
        config: { scope: 'submit' },
        schema: {
          operationId: 'findSimilarFaces', summary: "The tenant's faces most similar to this one (cosine similarity of embeddings)",
          params: JobIdParams,
          querystring: SimilarQuery,
          response: { 200: SimilarFaces, 404: ErrorBody },
        },
      },
      async (request) => {
        const { face, similar } = faceIndex.findSimilar(principalOf(request).tenant, request.params.id, request.query.limit);
        return { face: faceView(face), similar: similar.map((s) => ({ ...faceView(s), similarity: s.similarity })), personSimilarity: faceIndex.personSimilarity };
      },
    );

    app.get(
      '/v1/faces/:id/crop.jpg',
      {
        config: { scope: 'submit' },
        schema: {
          operationId: 'getFaceCrop',
          summary: 'A square picture (JPEG, 128 px) of the face, cut when the face was indexed',
          params: JobIdParams,
          response: { 200: z.any().describe('image/jpeg'), 404: ErrorBody },
        },
      },
      async (request, reply) => {
        const jpeg = faceIndex.faceCrop(principalOf(request).tenant, request.params.id);
        return reply.header('content-type', 'image/jpeg').header('cache-control', 'private, max-age=86400').send(jpeg);
      },
    );

    app.get(
      '/v1/persons',
      { config: { scope: 'submit' }, schema: { operationId: 'listPersons', summary: 'Persons: clusters of similar faces', response: { 200: PersonList } } },
      async (request) => ({ persons: faceIndex.listPersons(principalOf(request).tenant).map(personView) }),
    );

    app.get(
      '/v1/persons/:id',
      { config: { scope: 'submit' }, schema: { operationId: 'getPerson', summary: 'A person and their faces', params: JobIdParams, response: { 200: PersonDetail, 404: ErrorBody } } },
      async (request) => {
        const { person, faces } = faceIndex.personWithFaces(principalOf(request).tenant, request.params.id);
        return { ...personView(person), faces: faces.map(faceView) };
      },
    );

    app.patch(
      '/v1/persons/:id',
      {
        config: { scope: 'submit' },
        schema: { operationId: 'namePerson', summary: 'Name a person (null clears the name)', params: JobIdParams, body: NamePersonBody, response: { 200: PersonView, 404: ErrorBody } },
      },
      async (request) => personView(faceIndex.namePerson(principalOf(request).tenant, request.params.id, request.body.name)),
    );

    app.post(
      '/v1/persons/:id/merge',
      {
        config: { scope: 'submit' },
        schema: {
          operationId: 'mergePersons',
          summary: 'Merge another person into this one: their faces join it, and the other person is gone',
          params: JobIdParams,
          body: MergePersonsBody,
          response: { 200: PersonView, 400: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => personView(faceIndex.mergePersons(principalOf(request).tenant, request.params.id, request.body.personId)),
    );
  };
