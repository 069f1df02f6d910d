// Face vectors in SQLite: sqlite-vec's cosine distance agrees with an exact scan in JS, and every query stays
// within its tenant.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.js';
import { FacesRepository } from './faces-repository.js';
import { cosineSimilarity } from '../analyzers/faces/cosine-similarity.js';

let db: Db;
let hasVec: boolean;
beforeEach(() => {
  ({ db, hasVectorSearch: hasVec } = openDatabase(':memory:'));
  db.pragma('foreign_keys = OFF'); // faces reference jobs; these tests store faces alone
});
afterEach(() => db.close());

function randomVector(seed: number, dims = 1024): number[] {
  let x = seed;
  return Array.from({ length: dims }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31 - 0.5;
  });
}

describe('FacesRepository', () => {
  it('loads sqlite-vec into better-sqlite3', () => {
    expect(hasVec).toBe(true);
  });

  it('ranks by cosine similarity the same way in SQL (sqlite-vec) and in the exact JS scan', () => {
    const withVec = new FacesRepository(db, true);
    const exact = new FacesRepository(db, false);
    const box = { x: 0, y: 0, width: 1, height: 1 };
    const base = randomVector(1);
    for (let i = 0; i < 20; i++) {
      const v = randomVector(100 + i).map((n, k) => n * (i / 20) + base[k] * (1 - i / 20));
      withVec.insertPerson(`p${i}`, 'acme');
      withVec.insertFace({ id: `f${i}`, tenant: 'acme', jobId: 'j', faceIndex: i, box, vector: v, personId: `p${i}` });
    }
    withVec.insertPerson('q', 'globex');
    withVec.insertFace({ id: 'theirs', tenant: 'globex', jobId: 'j2', faceIndex: 0, box, vector: base, personId: 'q' });
    const a = withVec.nearest('acme', base, { limit: 5 });
    const b = exact.nearest('acme', base, { limit: 5 });
    expect(a.map((f) => f.id)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
    expect(b.map((f) => f.id)).toEqual(a.map((f) => f.id));
    a.forEach((f, i) => expect(f.similarity).toBeCloseTo(b[i].similarity, 5));
    expect(a[0].similarity).toBeCloseTo(cosineSimilarity(base, base), 5);
    expect(withVec.nearest('globex', base, { limit: 5 }).map((f) => f.id)).toEqual(['theirs']);
    expect(withVec.getForTenant('globex', 'f0')).toBeUndefined();
  });
});
