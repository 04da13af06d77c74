// The hot read path (D13): a named prepared statement on a connection of the ORM's own pool,
// without the query builder in between. Not for use inside a transaction.
import type { EntityManager } from '@mikro-orm/postgresql';

interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

interface PoolClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
}

export async function preparedQuery<T>(em: EntityManager, name: string, text: string, values: unknown[]): Promise<T[]> {
  const client = em.getConnection().getKnex().client as unknown as PoolClient;
  const connection = await client.acquireConnection();
  try {
    return (await connection.query({ name, text, values })).rows as T[];
  } finally {
    await client.releaseConnection(connection);
  }
}
