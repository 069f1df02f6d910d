// The faces contract on the faces service; both transports serve it through the registry.
import { faceCrop, listPersons, mergePersons, namePerson, personFaces, searchSimilarFaces } from '../contracts/faces.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { FacesService } from './faces-service.js';

export function registerFacesMethods(registry: MethodRegistry, deps: { faces: FacesService }): void {
  const { faces } = deps;
  registry.implement(searchSimilarFaces, ({ agentId, faceId, limit }) => faces.similar(agentId, faceId, limit));
  registry.implement(listPersons, ({ agentId }) => faces.persons(agentId));
  registry.implement(personFaces, ({ agentId, personId }) => faces.person(agentId, personId));
  registry.implement(namePerson, ({ agentId, personId, name }) => faces.name(agentId, personId, name));
  registry.implement(faceCrop, async ({ agentId, faceId }) => ({ mime: 'image/jpeg' as const, dataBase64: (await faces.crop(agentId, faceId)).toString('base64') }));
  registry.implement(mergePersons, ({ agentId, personId, mergePersonId }) => faces.merge(agentId, personId, mergePersonId));
}
