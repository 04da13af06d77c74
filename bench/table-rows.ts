// The rows of a database's tables, for the bulk scenario's baselines: which tables a run wrote,
// their foreign-key order, one TRUNCATE of them all, and loading them again with plain multi-row
// INSERTs or with COPY (pg-copy-streams) while the server's version triggers are off.
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Exact row counts of every table of the public schema. */
export async function tableCounts(url: string): Promise<Record<string, number>> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ name: string }>(
      `select tablename as name from pg_tables where schemaname = 'public' order by 1`,
    );
    const counts: Record<string, number> = {};
    for (const { name } of rows)
      counts[name] = (await client.query<{ n: number }>(`select count(*)::int as n from ${ident(name)}`)).rows[0]!.n;
    return counts;
  });
}

/**
 * The tables a run wrote: empty before it, holding rows after. A table that already held rows
 * (the migrations' secret, their own bookkeeping) is machinery, never captured.
 */
export function writtenTables(before: Record<string, number>, after: Record<string, number>): string[] {
  return Object.keys(after).filter((t) => (before[t] ?? 0) === 0 && (after[t] ?? 0) > 0);
}

interface ForeignKey {
  child: string;
  parent: string;
}

async function foreignKeys(client: pg.Client): Promise<ForeignKey[]> {
  const { rows } = await client.query<ForeignKey>(
    `select c.relname as child, p.relname as parent from pg_constraint k
       join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid
       join pg_namespace n on n.oid = c.relnamespace
      where k.contype = 'f' and n.nspname = 'public'`,
  );
  return rows;
}

/** `tables` with every table a foreign key points at before the tables that point at it. */
function parentsFirst(tables: readonly string[], keys: readonly ForeignKey[]): string[] {
  const ordered: string[] = [];
  const visit = (table: string, path: string[]) => {
    if (ordered.includes(table)) return;
    if (path.includes(table)) throw new Error(`foreign keys form a cycle: ${[...path, table].join(' -> ')}`);
    for (const k of keys)
      if (k.child === table && k.parent !== table && tables.includes(k.parent)) visit(k.parent, [...path, table]);
    ordered.push(table);
  };
  for (const table of tables) visit(table, []);
  return ordered;
}

/**
 * Empties `tables` in ONE statement. TRUNCATE refuses a table another one references unless that
 * one goes too, so the referencing tables (empty or not) are named with them: no CASCADE.
 */
async function truncateAll(client: pg.Client, tables: readonly string[], keys: readonly ForeignKey[]) {
  const all = new Set(tables);
  for (let grew = true; grew;) {
    grew = false;
    for (const k of keys)
      if (all.has(k.parent) && !all.has(k.child)) {
        all.add(k.child);
        grew = true;
      }
  }
  await client.query(`truncate ${[...all].map(ident).join(', ')}`);
}

/** The version triggers (fhir_track...) would make the side tables' rows a second time: off while loading. */
async function userTriggers(client: pg.Client, tables: readonly string[], on: boolean) {
  for (const table of tables)
    await client.query(`alter table ${ident(table)} ${on ? 'enable' : 'disable'} trigger user`);
}

export interface TableRows {
  table: string;
  columns: string[];
  /** Every value as PostgreSQL's text of it (null stays null), so it goes back exactly. */
  rows: (string | null)[][];
}

export async function captureRows(url: string, tables: readonly string[]): Promise<TableRows[]> {
  return withClient(url, async (client) => {
    const out: TableRows[] = [];
    for (const table of tables) {
      const { rows: cols } = await client.query<{ name: string }>(
        `select attname as name from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped
          order by attnum`,
        [ident(table)],
      );
      const columns = cols.map((c) => c.name);
      const { rows } = await client.query<(string | null)[]>({
        text: `select ${columns.map((c) => `${ident(c)}::text`).join(', ')} from ${ident(table)}`,
        rowMode: 'array',
      });
      out.push({ table, columns, rows });
    }
    return out;
  });
}

/** Timed part: the INSERT statements, `perStatement` rows each, on one connection, each statement its own commit. */
export async function insertRows(
  url: string,
  captured: readonly TableRows[],
  perStatement: number,
): Promise<{ ms: number; rows: number; statements: number }> {
  return withClient(url, async (client) => {
    const keys = await foreignKeys(client);
    const tables = captured.map((c) => c.table);
    await truncateAll(client, tables, keys);
    await userTriggers(client, tables, false);
    let rows = 0;
    let statements = 0;
    const started = performance.now();
    for (const table of parentsFirst(tables, keys)) {
      const { columns, rows: values } = captured.find((c) => c.table === table)!;
      const head = `insert into ${ident(table)} (${columns.map(ident).join(', ')}) values `;
      for (let i = 0; i < values.length; i += perStatement) {
        const batch = values.slice(i, i + perStatement);
        const params: (string | null)[] = [];
        const tuples = batch.map((row) => {
          const start = params.length;
          params.push(...row);
          return `(${row.map((_, j) => `$${start + j + 1}`).join(', ')})`;
        });
        await client.query(head + tuples.join(', '), params);
        rows += batch.length;
        statements++;
      }
    }
    const ms = performance.now() - started;
    await userTriggers(client, tables, true);
    return { ms: Math.round(ms), rows, statements };
  });
}

/** `COPY <table> TO STDOUT` of each table into `dir/<table>.copy`; bytes written. */
export async function copyTablesOut(url: string, tables: readonly string[], dir: string): Promise<number> {
  return withClient(url, async (client) => {
    let bytes = 0;
    for (const table of tables) {
      const file = `${dir}/${table}.copy`;
      await pipeline(client.query(copyTo(`copy ${ident(table)} to stdout`)), fs.createWriteStream(file));
      bytes += fs.statSync(file).size;
    }
    return bytes;
  });
}

/** Timed part: `COPY <table> FROM STDIN` of each file, parents first, after one TRUNCATE of them all. */
export async function copyTablesIn(url: string, tables: readonly string[], dir: string): Promise<{ ms: number }> {
  return withClient(url, async (client) => {
    const keys = await foreignKeys(client);
    await truncateAll(client, tables, keys);
    await userTriggers(client, tables, false);
    const started = performance.now();
    for (const table of parentsFirst(tables, keys))
      await pipeline(
        fs.createReadStream(`${dir}/${table}.copy`),
        client.query(copyFrom(`copy ${ident(table)} from stdin`)),
      );
    const ms = performance.now() - started;
    await userTriggers(client, tables, true);
    return { ms: Math.round(ms) };
  });
}

/** `COPY (<select>) TO STDOUT` streamed into `file`. */
export async function copyQueryToFile(
  url: string,
  select: string,
  file: string,
): Promise<{ ms: number; bytes: number }> {
  return withClient(url, async (client) => {
    const started = performance.now();
    await pipeline(client.query(copyTo(`copy (${select}) to stdout`)), fs.createWriteStream(file));
    return { ms: Math.round(performance.now() - started), bytes: fs.statSync(file).size };
  });
}
