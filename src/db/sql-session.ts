// Queries on a connection of the ORM's own pool, without the query builder in between: the hot
// paths (reads by id, writes of a resource) send few, small, prepared statements (issue 3's speed).
import type { EntityManager } from '@mikro-orm/postgresql';

interface PgConnection {
  query(config: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: unknown[] }>;
}

interface PoolClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
}

export interface SqlSession {
  /** Runs `text` with `$n` parameters; a `name` prepares it once per connection. */
  query<T>(text: string, values?: unknown[], name?: string): Promise<T[]>;
}

function sessionOf(connection: PgConnection): SqlSession {
  return {
    async query<T>(text: string, values: unknown[] = [], name?: string) {
      return (await connection.query({ name, text, values })).rows as T[];
    },
  };
}

/** One connection for the duration of `work` (no transaction). */
export async function withSession<T>(em: EntityManager, work: (sql: SqlSession) => Promise<T>): Promise<T> {
  const client = em.getConnection().getKnex().client as unknown as PoolClient;
  const connection = await client.acquireConnection();
  try {
    return await work(sessionOf(connection));
  } finally {
    await client.releaseConnection(connection);
  }
}

/** `work` in one transaction: committed when it returns, rolled back when it throws. */
export function inTransaction<T>(em: EntityManager, work: (sql: SqlSession) => Promise<T>): Promise<T> {
  return withSession(em, async (sql) => {
    await sql.query('begin');
    let result: T;
    try {
      result = await work(sql);
    } catch (error) {
      await sql.query('rollback').catch(() => undefined);
      throw error;
    }
    await sql.query('commit');
    return result;
  });
}

/** A named prepared statement on a pooled connection; not for use inside a transaction. */
export function preparedQuery<T>(em: EntityManager, name: string, text: string, values: unknown[]): Promise<T[]> {
  return withSession(em, (sql) => sql.query<T>(text, values, name));
}
