// Reads a schema back from information_schema and pg_catalog and writes it as plain lines, in the
// form of test/fixtures/database-schema.expected.txt, so the two can be compared line by line.
import type pg from 'pg';

type Query = (sql: string, params?: unknown[]) => Promise<Record<string, string | number | null>[]>;

export const queryOf =
  (client: pg.Client): Query =>
  async (sql, params) =>
    (await client.query(sql, params)).rows as Record<string, string | number | null>[];

/** Code-point order, the same whatever collation the database uses. */
const byText = (a: unknown, b: unknown) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0);

const RULE: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

/** `ownIndexes`: include the server's own indexes (named fhir_...), which the document does not list. */
export async function describeTables(
  query: Query,
  tables: readonly string[],
  options: { ownIndexes?: boolean } = {},
): Promise<string[]> {
  const lines: string[] = [];
  for (const table of tables) {
    lines.push(`table ${table}`);
    const columns = await query(
      `select c.column_name, format_type(a.atttypid, a.atttypmod) as type, c.is_nullable,
              pg_get_expr(d.adbin, d.adrelid) as "default"
         from information_schema.columns c
         join pg_attribute a on a.attrelid = format('public.%I', c.table_name)::regclass and a.attname = c.column_name
         left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where c.table_schema = 'public' and c.table_name = $1
        order by c.ordinal_position`,
      [table],
    );
    for (const c of columns) {
      const nullability = c.is_nullable === 'YES' ? 'null' : 'not null';
      lines.push(
        `  column ${c.column_name} ${c.type} ${nullability}${c.default === null ? '' : ` default ${c.default}`}`,
      );
    }
    const constraints = await query(
      `select con.contype,
              array_to_string(array(select a.attname from unnest(con.conkey) with ordinality k(n, i)
                join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n order by k.i), ', ') as columns,
              con.confrelid::regclass::text as target,
              array_to_string(array(select a.attname from unnest(con.confkey) with ordinality k(n, i)
                join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.n order by k.i), ', ') as target_columns,
              con.confdeltype, con.confupdtype
         from pg_constraint con
        where con.conrelid = format('public.%I', $1::text)::regclass and con.contype <> 'n'
`,
      [table],
    );
    const rank = (type: unknown) => ['p', 'u', 'f'].indexOf(String(type)) >>> 0;
    constraints.sort((a, b) => rank(a.contype) - rank(b.contype) || byText(a.columns, b.columns));
    for (const c of constraints) {
      if (c.contype === 'p') lines.push(`  primary key (${c.columns})`);
      else if (c.contype === 'u') lines.push(`  unique (${c.columns})`);
      else if (c.contype === 'f')
        lines.push(
          `  foreign key (${c.columns}) references ${c.target}(${c.target_columns}) on delete ${RULE[c.confdeltype as string]} on update ${RULE[c.confupdtype as string]}`,
        );
      else lines.push(`  constraint ${c.contype} (${c.columns})`);
    }
    const indexes = await query(
      `select i.relname as name, am.amname as method,
              array_to_string(array(select pg_get_indexdef(ix.indexrelid, k, true)
                 || case when ix.indoption[k - 1] & 1 = 1 then ' desc' else '' end
                 from generate_series(1, ix.indnatts) k), ', ') as columns,
              pg_get_expr(ix.indpred, ix.indrelid, true) as predicate, ix.indisunique as unique
         from pg_index ix
         join pg_class i on i.oid = ix.indexrelid
         join pg_am am on am.oid = i.relam
        where ix.indrelid = format('public.%I', $1::text)::regclass
          and not exists (select 1 from pg_constraint con where con.conindid = ix.indexrelid)
          and (i.relname not like 'fhir\\_%' or $2::boolean)`,
      [table, options.ownIndexes === true],
    );
    indexes.sort((a, b) => byText(a.name, b.name));
    for (const i of indexes) {
      const unique = i.unique ? 'unique ' : '';
      lines.push(`  ${unique}index ${i.name} ${i.method} (${i.columns})${i.predicate ? ` where ${i.predicate}` : ''}`);
    }
  }
  return lines;
}

/** Every relation, function, type and sequence in the public schema, for the "empty after down" check. */
export async function publicObjects(query: Query): Promise<string[]> {
  const rows = await query(
    `select c.relkind::text || ' ' || c.relname as object from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public'
     union all
     select 'function ' || p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public'
     union all
     select 'type ' || t.typname from pg_type t join pg_namespace n on n.oid = t.typnamespace
      where n.nspname = 'public' and t.typtype in ('e', 'd', 'c') and not exists (select 1 from pg_class c where c.reltype = t.oid)
     order by 1`,
  );
  return rows.map((r) => String(r.object));
}
