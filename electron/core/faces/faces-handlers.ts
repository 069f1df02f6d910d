// Binds the Faces contract to the faces service; registered in the console core, so both transports serve it.
import type { z } from 'zod';
import type { InvokeDef, OutputOf } from '../contracts/define.js';
import type { listPersons, namePerson, personFaces, searchSimilarFaces } from '../contracts/faces.js';
import type { FacesService } from './faces-service.js';

type ParsedInput<D> = D extends InvokeDef<infer I, z.ZodType> ? z.output<I> : never;
type Handler<D> = (input: ParsedInput<D>) => Promise<OutputOf<D>>;

export function createFacesHandlers(faces: FacesService) {
  return {
    'faces:similar': (async (i) => faces.similar(i.agentId, i.faceId, i.limit)) as Handler<typeof searchSimilarFaces>,
    'faces:persons': (async (i) => faces.persons(i.agentId)) as Handler<typeof listPersons>,
    'faces:person': (async (i) => faces.person(i.agentId, i.personId)) as Handler<typeof personFaces>,
    'faces:name-person': (async (i) => faces.name(i.agentId, i.personId, i.name)) as Handler<typeof namePerson>,
  };
}
