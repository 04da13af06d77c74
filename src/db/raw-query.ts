// Search's read path (D13): SQL with `?` placeholders sent as an unnamed statement (so every
// execution is planned with its values: a LIKE prefix can use its index) on a connection of the
// ORM's own pool, without the query builder in between. Not for use inside a transaction.
import type { EntityManager } from '@mikro-orm/postgresql';
import { withSession } from './sql-session.js';

/** `?` → `$1`, `$2`, ...; `\\?` is a literal question mark (the jsonb operator), as in knex. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\\\?|\?/g, (match) => (match === '?' ? `$${++n}` : '?'));
}

export function rawQuery<T>(em: EntityManager, sql: string, values: readonly unknown[]): Promise<T[]> {
  return withSession(em, (session) => session.query<T>(numbered(sql), [...values]));
}
