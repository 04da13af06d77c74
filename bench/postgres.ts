// The PostgreSQL server the benchmarks run on (BENCH_DATABASE_URL): fresh databases, dropped after.
import pg from 'pg';
import { onCleanup } from './cleanup.js';

export const benchServerUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Runs statements on the server's maintenance database, one connection per call. */
export async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: benchServerUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Drops (if left from an earlier run) and creates database `name`; returns its URL. */
export async function freshDatabase(name: string): Promise<string> {
  await dropDatabase(name);
  await admin(`create database "${name}"`);
  return databaseUrl(name);
}

/** The URL of database `name` on the benchmark server. */
export function databaseUrl(name: string): string {
  const url = new URL(benchServerUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(name: string): Promise<void> {
  await admin(`drop database if exists "${name}" with (force)`);
}

/** Runs one query on `url` with a connection of its own. */
export async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The database `--keep` keeps seeded between runs; the search and labs scenarios share it. */
export const KEPT_DATABASE = 'fhir_bench_search';

/** Patients in database `name` on the benchmark server, undefined when there is no such database. */
export async function seededPatients(name: string): Promise<number | undefined> {
  const [found] = await query<{ n: number }>(
    databaseUrl('postgres'),
    `select count(*)::int as n from pg_database where datname = '${name.replace(/'/g, "''")}'`,
  );
  if (!found?.n) return undefined;
  const [count] = await query<{ n: number }>(databaseUrl(name), 'select count(*)::int as n from patients').catch(() => [
    undefined,
  ]);
  return count?.n;
}

/**
 * The database a scenario runs on: with `keep`, the kept one (reused when it holds `patients`
 * patients, else made anew and left for the next run); without, `name`, made anew and dropped after.
 */
export async function benchDatabase(
  name: string,
  patients: number,
  keep: boolean,
): Promise<{ url: string; reused: boolean }> {
  const chosen = keep ? KEPT_DATABASE : name;
  const reused = keep && (await seededPatients(chosen)) === patients;
  const url = reused ? databaseUrl(chosen) : await freshDatabase(chosen);
  if (!keep) onCleanup(() => dropDatabase(chosen));
  return { url, reused };
}
