// One checksum over the rows of every table (in one statement, so it can be taken around each
// request), to prove a refused request changed nothing.
import type pg from 'pg';

/** A version's rendering is a cache a first read fills in (D13), not data a request changes. */
const CACHE_COLUMNS: Record<string, string> = { fhir_resource_versions: 'rendered' };

export async function fingerprintQuery(sql: pg.Client, exclude: readonly string[]): Promise<string> {
  const { rows } = await sql.query<{ tablename: string }>(
    `select tablename from pg_tables where schemaname = 'public' order by tablename`,
  );
  const parts = rows
    .map((r) => r.tablename)
    .filter((t) => !exclude.includes(t))
    .map((t) => {
      const row = CACHE_COLUMNS[t] ? `(to_jsonb(x) - '${CACHE_COLUMNS[t]}')::text` : 'x::text';
      return `select '${t}' as t, count(*) as n, md5(coalesce(string_agg(md5(${row}), '' order by md5(${row})), '')) as h from "${t}" x`;
    });
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
