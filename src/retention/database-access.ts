// The retention job's reach into the database: SQL with `?` placeholders on the ORM's connection,
// and short transactions on one pooled connection (the SQL session: no em.transactional, whose
// AsyncLocalStorage hooks would stay on for the life of the process).
import type { EntityManager } from '@mikro-orm/postgresql';
import { numbered } from '../db/raw-query.js';
import { inTransaction } from '../db/sql-session.js';
import type { Sql } from './rules.js';

export function sqlOf(em: EntityManager): Sql {
  return <T>(text: string, params: unknown[] = []) => em.execute<T[]>(text, params);
}

export function transactionOf(em: EntityManager) {
  return <T>(work: (sql: Sql) => Promise<T>): Promise<T> =>
    inTransaction(em, (session) =>
      work(<R>(text: string, params: unknown[] = []) => session.query<R>(numbered(text), params)),
    );
}
