// One checksum over the rows of every table (in one statement, so it can be taken around each
// request), to prove a refused request changed nothing.
import type pg from 'pg';

export async function fingerprintQuery(sql: pg.Client, exclude: readonly string[]): Promise<string> {
  const { rows } = await sql.query<{ tablename: string }>(
    `select tablename from pg_tables where schemaname = 'public' order by tablename`,
  );
  const parts = rows
    .map((r) => r.tablename)
    .filter((t) => !exclude.includes(t))
    .map(
      (t) =>
        `select '${t}' as t, count(*) as n, md5(coalesce(string_agg(md5(x::text), '' order by md5(x::text)), '')) as h from "${t}" x`,
    );
  return `select string_agg(t || ':' || n || ':' || h, ' ' order by t) as fingerprint from (${parts.join(' union all ')}) s`;
}

export async function fingerprint(sql: pg.Client, query: string): Promise<string> {
  const { rows } = await sql.query<{ fingerprint: string }>(query);
  return rows[0]!.fingerprint;
}

/** Names the tables whose part of two fingerprints differ. */
export function changedTables(before: string, after: string): string[] {
  const parse = (f: string) => new Map(f.split(' ').map((p) => [p.split(':')[0]!, p] as const));
  const a = parse(before);
  const b = parse(after);
  return [...new Set([...a.keys(), ...b.keys()])].filter((t) => a.get(t) !== b.get(t));
}
