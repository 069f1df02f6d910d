// Prepared statements compiled once per connection and reused: better-sqlite3's prepare() parses and plans the
// SQL on every call, which on the hot routes (token check, job status, health) cost more than running the query.
import type Database from 'better-sqlite3';

export type PreparedStatement = Database.Statement<unknown[], unknown>;

/** Returns `sql => statement`, preparing each distinct SQL text once. */
export function statementCache(db: Database.Database): (sql: string) => PreparedStatement {
  const prepared = new Map<string, PreparedStatement>();
  return (sql) => {
    let statement = prepared.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      prepared.set(sql, statement);
    }
    return statement;
  };
}
