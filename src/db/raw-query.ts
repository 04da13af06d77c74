// Search's read path (D13): SQL with `?` placeholders sent as an unnamed statement (so every
// execution is planned with its values: a LIKE prefix can use its index) on a connection of the
// ORM's own pool, without the query builder in between. Not for use inside a transaction.
import type { EntityManager } from '@mikro-orm/postgresql';

interface PgConnection {
  query(config: { text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

interface PoolClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
}

/** `?` → `$1`, `$2`, ...; `\\?` is a literal question mark (the jsonb operator), as in knex. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\\\?|\?/g, (match) => (match === '?' ? `$${++n}` : '?'));
}

export async function rawQuery<T>(em: EntityManager, sql: string, values: readonly unknown[]): Promise<T[]> {
  const client = em.getConnection().getKnex().client as unknown as PoolClient;
  const connection = await client.acquireConnection();
  try {
    return (await connection.query({ text: numbered(sql), values: [...values] })).rows as T[];
  } finally {
    await client.releaseConnection(connection);
  }
}
