// Indexing a result's faces on a real SQLite file: vectors leave the result unless asked for, each face gets an
// id it can be searched by, and similar faces join one person while a stranger starts another.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../contracts/result-document.js';
import { AgentError } from '../errors.js';
import { openDatabase, type Db } from '../store/database.js';
import { FacesRepository } from '../store/faces-repository.js';
import { faceKey } from './face-crops.js';
import { FaceIndex } from './face-index.js';

let db: Db;
let index: FaceIndex;
beforeEach(() => {
  const opened = openDatabase(':memory:');
  db = opened.db;
  db.pragma('foreign_keys = OFF'); // no job rows needed here
  index = new FaceIndex(new FacesRepository(db, opened.hasVectorSearch), 0.6);
});
afterEach(() => db.close());

const unit = (i: number, dims = 8): number[] => Array.from({ length: dims }, (_, k) => (k === i ? 1 : 0));
const blend = (a: number[], b: number[], t: number): number[] => a.map((v, k) => v * (1 - t) + b[k] * t);
const doc = (vectors: number[][]): ResultDocument => ({
  version: 1,
  file: 'x.png',
  media: { kind: 'image', mime: 'image/png', bytes: 1, sha256: '0'.repeat(64) },
  faces: vectors.map((embedding, i) => ({ box: { x: i, y: 0, width: 10, height: 10 }, score: 0.9, embedding })),
  timings: {},
  agent: { id: 't', version: '0' },
  models: {},
});

describe('FaceIndex', () => {
  it('replaces vectors by ids unless the client asked to keep them', () => {
    const stripped = index.indexResultFaces('acme', 'j1', doc([unit(0)]), false);
    expect(stripped.faces![0].embedding).toBeUndefined();
    expect(stripped.faces![0].embeddingId).toEqual(expect.any(String));
    const kept = index.indexResultFaces('acme', 'j2', doc([unit(1)]), true);
    expect(kept.faces![0].embedding).toEqual(unit(1));
  });

  it('clusters a near-duplicate face into the same person, a stranger into a new one, and names persons', () => {
    const a = index.indexResultFaces('acme', 'j1', doc([unit(0), unit(3)]), false).faces!;
    const b = index.indexResultFaces('acme', 'j2', doc([blend(unit(0), unit(1), 0.2)]), false).faces!;
    const search = index.findSimilar('acme', b[0].embeddingId!, 5);
    expect(search.similar[0].id).toBe(a[0].embeddingId);
    expect(search.face.personId).toBe(search.similar[0].personId);
    const persons = index.listPersons('acme');
    expect(persons.map((p) => p.faceCount).sort()).toEqual([1, 2]);
    const named = index.namePerson('acme', search.face.personId!, 'Ada');
    expect(named).toMatchObject({ name: 'Ada', faceCount: 2 });
    expect(() => index.namePerson('globex', search.face.personId!, 'x')).toThrow(AgentError);
    expect(() => index.findSimilar('globex', a[0].embeddingId!, 5)).toThrow(/no face/);
  });
});

describe('face pictures and merging persons', () => {
  it("stores each face's picture with the face, serves it only to its tenant, and names a person's thumbnail", () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
    const faces = index.indexResultFaces('acme', 'j1', doc([unit(0), unit(3)]), false, new Map([[faceKey(null, 0), jpeg]])).faces!;
    expect(index.faceCrop('acme', faces[0]!.embeddingId!)).toEqual(jpeg);
    // The second face came without a picture; another tenant's face is as unknown as a missing one.
    expect(() => index.faceCrop('acme', faces[1]!.embeddingId!)).toThrow(/no stored picture/);
    expect(() => index.faceCrop('globex', faces[0]!.embeddingId!)).toThrow(/no face/);
    const persons = index.listPersons('acme');
    expect(persons.find((p) => p.faceCount === 1 && p.coverFaceId === faces[0]!.embeddingId)).toBeDefined();
    expect(persons.find((p) => p.coverFaceId === null)).toBeDefined();
  });

  it('merges two persons of a tenant: faces move, the name survives, the other person is gone; never across tenants', () => {
    const [a, b] = index.indexResultFaces('acme', 'j1', doc([unit(0), unit(3)]), false).faces!;
    const theirs = index.indexResultFaces('globex', 'j2', doc([unit(5)]), false).faces!;
    const personOf = (tenant: string, faceId: string) => index.findSimilar(tenant, faceId, 1).face.personId!;
    const pa = personOf('acme', a!.embeddingId!);
    const pb = personOf('acme', b!.embeddingId!);
    index.namePerson('acme', pb, 'Ada');
    expect(() => index.mergePersons('acme', pa, pa)).toThrow(/itself/);
    expect(() => index.mergePersons('acme', pa, personOf('globex', theirs[0]!.embeddingId!))).toThrow(/no person/);
    expect(() => index.mergePersons('globex', pa, pb)).toThrow(/no person/);
    const merged = index.mergePersons('acme', pa, pb);
    expect(merged).toMatchObject({ id: pa, name: 'Ada', faceCount: 2 });
    expect(index.listPersons('acme').map((p) => p.id)).toEqual([pa]);
    expect(index.personWithFaces('acme', pa).faces.map((f) => f.id).sort()).toEqual([a!.embeddingId, b!.embeddingId].sort());
    expect(index.listPersons('globex')).toHaveLength(1);
  });
});
