// A transaction on an EntityManager fork through begin/commit, for the ORM code outside the hot
// path. Not em.transactional: that one enters an AsyncLocalStorage, and once one is entered
// Node 20 keeps promise hooks on for the life of the process, making every later promise of the
// server several times slower.
import type { EntityManager } from '@mikro-orm/postgresql';

export async function ormTransaction<T>(em: EntityManager, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  const tx = em.fork();
  await tx.begin();
  try {
    const result = await work(tx);
    await tx.commit();
    return result;
  } catch (error) {
    await tx.rollback();
    throw error;
  }
}
