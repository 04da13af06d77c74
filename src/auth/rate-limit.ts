// Rate limits of the sign-in and token endpoints, shared by every server instance (D11): a
// fixed one-minute window per endpoint and client address, counted in smart_rate_limits.
import type { EntityManager } from '@mikro-orm/postgresql';

/** Counts a request; false once `limit` requests were made in the current minute. */
export async function withinRateLimit(em: EntityManager, key: string, limit: number): Promise<boolean> {
  const [row] = await em.execute<{ hits: number }[]>(
    `insert into smart_rate_limits as r (key, window_start, hits) values (?, date_trunc('minute', now()), 1)
     on conflict (key) do update set
       hits = case when r.window_start = excluded.window_start then r.hits + 1 else 1 end,
       window_start = excluded.window_start
     returning hits`,
    [key.slice(0, 255)],
  );
  return (row?.hits ?? 0) <= limit;
}
