// Row counts and checksums of every table, to prove a restore holds what was backed up: the md5 of
// the sorted md5s of the rows' text, computed by the database itself.
export type Query = (sql: string) => Promise<Record<string, unknown>[]>;

export type TableChecksums = Record<string, { rows: number; checksum: string }>;

export async function tableChecksums(query: Query): Promise<TableChecksums> {
  const tables = (await query(`select tablename from pg_tables where schemaname = 'public' order by tablename`)).map(
    (r) => String(r.tablename),
  );
  const out: TableChecksums = {};
  for (const table of tables) {
    const [row] = await query(
      `select count(*)::int as rows, md5(coalesce(string_agg(h, '' order by h), '')) as checksum
         from (select md5(t::text) as h from "${table}" t) x`,
    );
    out[table] = { rows: Number(row!.rows), checksum: String(row!.checksum) };
  }
  return out;
}

/** Tables whose count or checksum differ (or that exist on one side only). */
export function checksumDifferences(expected: TableChecksums, actual: TableChecksums): string[] {
  const names = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  return names.filter((n) => expected[n]?.rows !== actual[n]?.rows || expected[n]?.checksum !== actual[n]?.checksum);
}

/** The tables that make a database this server's (a backup of anything else is refused). */
export const OWN_TABLES = [
  'users',
  'patients',
  'audit_logs',
  'fhir_resources',
  'fhir_resource_versions',
  'mikro_orm_migrations',
];
