// The SQL of writing one resource's rows, built from the planned column names (which come from the
// mappings, never from a client) and sent as named prepared statements, so PostgreSQL plans each
// shape once per connection. Values travel as one JSONB object per table; jsonb_populate_record
// gives each its column's type, and columns left out keep their defaults.
import { createHash } from 'node:crypto';

/** The values a statement may take, by name; each statement binds only those it uses. */
export interface RowValues {
  type: string;
  id: string;
  root: Record<string, unknown>;
  parentId?: string;
  parent?: Record<string, unknown>;
  numbering?: unknown;
  resync?: boolean;
  hashes?: string | null;
}

type Param = keyof RowValues;

const CASTS: Record<Param, string> = {
  type: 'text',
  id: 'uuid',
  root: 'jsonb',
  parentId: 'uuid',
  parent: 'jsonb',
  numbering: 'jsonb',
  resync: 'boolean',
  hashes: 'jsonb',
};

export class RowStatement {
  readonly name: string;

  constructor(
    readonly text: string,
    private readonly params: readonly Param[],
  ) {
    this.name = `fhir_w_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
  }

  values(values: RowValues): unknown[] {
    return this.params.map((param) => values[param] ?? null);
  }
}

/** Builds SQL with `:name` placeholders into a statement with `$n` ones. */
function compile(template: string): RowStatement {
  const params: Param[] = [];
  const text = template.replace(/:([a-zA-Z]+)\b/g, (_all, name: string) => {
    if (!(name in CASTS)) throw new Error(`unknown statement parameter :${name}`);
    let index = params.indexOf(name as Param);
    if (index < 0) index = params.push(name as Param) - 1;
    return `$${index + 1}::${CASTS[name as Param]}`;
  });
  return new RowStatement(text, params);
}

/** A table, column or function name of a mapping, quoted; anything else is a bug, not input. */
export const ident = (name: string) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a column or table name: ${name}`);
  return `"${name}"`;
};

const cache = new Map<string, RowStatement>();
const cached = (key: string, build: () => string) => {
  let found = cache.get(key);
  if (!found) cache.set(key, (found = compile(build())));
  return found;
};

export interface InsertShape {
  table: string;
  columns: readonly string[];
  /** The parent row, inserted first; the root's `link` column gets its id. */
  parent?: { table: string; columns: readonly string[]; link: string };
  /** The column of the business number the statement assigns (on the parent when there is one). */
  numberColumn?: string;
}

/** Inserts the rows and the hashes; no row back when the assigned number was taken (retry with resync). */
export function insertStatement(shape: InsertShape): RowStatement {
  return cached(JSON.stringify(['insert', shape]), () => {
    const { table, parent, numberColumn } = shape;
    const number = numberColumn ? 'fhir_next_number(:numbering, :resync)' : undefined;
    const skipTaken = numberColumn ? ` on conflict (${ident(numberColumn)}) do nothing` : '';
    const numbered = (alias: string, columns: readonly string[], own: [string, string][]) => {
      const plain = columns.filter((c) => !own.some(([name]) => name === c));
      return {
        cols: [...plain, ...own.map(([name]) => name)].map(ident).join(', '),
        values: [...plain.map((c) => `${alias}.${ident(c)}`), ...own.map(([, value]) => value)].join(', '),
      };
    };
    const hashes = 'select root.id, fhir_store_hashes(:type, root.id, :hashes) from root';
    if (!parent) {
      const r = numbered('r', shape.columns, [
        ['id', ':id'],
        ...(number ? [[numberColumn!, number] as [string, string]] : []),
      ]);
      return `with root as (insert into ${ident(table)} (${r.cols})
          select ${r.values} from jsonb_populate_record(null::${ident(table)}, :root) r${skipTaken} returning id)
        ${hashes}`;
    }
    const p = numbered('p', parent.columns, [
      ['id', ':parentId'],
      ...(number ? [[numberColumn!, number] as [string, string]] : []),
    ]);
    const r = numbered('r', shape.columns, [
      ['id', ':id'],
      [parent.link, 'parent.id'],
    ]);
    return `with parent as (insert into ${ident(parent.table)} (${p.cols})
        select ${p.values} from jsonb_populate_record(null::${ident(parent.table)}, :parent) p${skipTaken} returning id),
      root as (insert into ${ident(table)} (${r.cols})
        select ${r.values} from jsonb_populate_record(null::${ident(table)}, :root) r, parent returning id)
      ${hashes}`;
  });
}

export interface UpdateShape {
  table: string;
  columns: readonly string[];
  parent?: { table: string; columns: readonly string[] };
}

/** Updates the root (and parent) columns and the hashes. */
export function updateStatement(shape: UpdateShape): RowStatement {
  return cached(JSON.stringify(['update', shape]), () => {
    const set = (table: string, columns: readonly string[], values: string, id: string) => {
      const own = columns.filter((c) => c !== 'id');
      if (own.length === 0) return undefined;
      return `update ${ident(table)} set (${own.map(ident).join(', ')}) =
          (select ${own.map((c) => `v.${ident(c)}`).join(', ')} from jsonb_populate_record(null::${ident(table)}, ${values}) v)
        where id = ${id}`;
    };
    const parts = [
      shape.parent ? set(shape.parent.table, shape.parent.columns, ':parent', ':parentId') : undefined,
      set(shape.table, shape.columns, ':root', ':id'),
    ].filter((part): part is string => part !== undefined);
    const ctes = parts.map((part, i) => `w${i} as (${part} returning 1)`);
    return `${ctes.length ? `with ${ctes.join(', ')} ` : ''}select fhir_store_hashes(:type, :id, :hashes)`;
  });
}
