// The retention job's reach into the database: SQL with `?` placeholders on the ORM's connection,
// and short transactions on a fork.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Sql } from './rules.js';

export function sqlOf(em: EntityManager): Sql {
  return <T>(text: string, params: unknown[] = []) => em.execute<T[]>(text, params);
}

export function transactionOf(em: EntityManager) {
  return <T>(work: (sql: Sql) => Promise<T>): Promise<T> => em.fork().transactional((tx) => work(sqlOf(tx)));
}
