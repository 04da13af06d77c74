// Builders of search parameters (http://hl7.org/fhir/R4/search.html), compiled to SQL over a
// mapping's columns. Values are always bound, never spliced. fhir_fold() is the server's
// immutable case- and accent-folding SQL function (SearchIndexes migration), indexed per column.
import { approximately, ceilDay, floorDay, parseDateValue, parseNumberValue } from './param-values.js';
import type { ResourceType, SearchParamDefinition, SearchValue, MapContext, SqlCondition } from './types.js';

const likeEscape = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);
const FALSE: SqlCondition = { sql: 'false', params: [] };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ParamOptions {
  /** :missing SQL (true when absent); the builders derive one from their columns. */
  missing?: string;
  /** _sort expression; the builders use their (first) column. */
  sort?: string;
  documentation?: string;
}

const allNull = (columns: readonly string[]) => `(${columns.map((c) => `${c} is null`).join(' and ')})`;

/** The folded starts-with condition of a string search over text columns (the default string match). */
export function foldedStartsWith(columns: readonly string[], text: string): SqlCondition {
  return {
    sql: `(${columns.map((c) => `fhir_fold(${c}) like fhir_fold(?) escape '\\'`).join(' or ')})`,
    params: columns.map(() => `${likeEscape(text)}%`),
  };
}

/** string: case- and accent-insensitive starts-with by default; :exact; :contains. */
export function stringParam(
  definition: string,
  columns: readonly string[],
  options: ParamOptions = {},
): SearchParamDefinition {
  return {
    type: 'string',
    definition,
    modifiers: ['exact', 'contains'],
    missing: options.missing ?? allNull(columns),
    sort: options.sort ?? columns[0],
    ...(options.documentation ? { documentation: options.documentation } : {}),
    where({ raw, modifier }) {
      if (modifier === 'exact')
        return { sql: `(${columns.map((c) => `${c} = ?`).join(' or ')})`, params: columns.map(() => raw) };
      if (modifier === 'contains')
        return {
          sql: `(${columns.map((c) => `fhir_fold(${c}) like fhir_fold(?) escape '\\'`).join(' or ')})`,
          params: columns.map(() => `%${likeEscape(raw)}%`),
        };
      return foldedStartsWith(columns, raw);
    },
  };
}

export function tokenParam(
  options: {
    definition: string;
    where(value: SearchValue, ctx: MapContext): SqlCondition;
    /** Text columns for :text. */
    text?: readonly string[];
  } & ParamOptions,
): SearchParamDefinition {
  return {
    type: 'token',
    definition: options.definition,
    modifiers: [],
    where: options.where,
    ...(options.missing ? { missing: options.missing } : {}),
    ...(options.sort ? { sort: options.sort } : {}),
    ...(options.text ? { text: options.text } : {}),
    ...(options.documentation ? { documentation: options.documentation } : {}),
  };
}

/**
 * token over one code column: `code`, `system|code`, `|code` (no system), `system|` (any code of
 * the system). `system` is the code system the column's values belong to, when they have one.
 */
export function codeParam(
  definition: string,
  column: string,
  options: ParamOptions & { system?: string; text?: readonly string[]; toColumn?(code: string): string } = {},
): SearchParamDefinition {
  return tokenParam({
    definition,
    missing: options.missing ?? `${column} is null`,
    sort: options.sort ?? column,
    ...(options.text ? { text: options.text } : {}),
    where({ system, code }) {
      if (system !== undefined && system !== (options.system ?? '')) return FALSE;
      if (code === '') return { sql: `${column} is not null`, params: [] };
      return { sql: `${column} = ?`, params: [options.toColumn ? options.toColumn(code) : code] };
    },
  });
}

/** token over a boolean SQL expression: true or false. */
export function booleanParam(
  definition: string,
  expression: string,
  options: ParamOptions = {},
): SearchParamDefinition {
  return tokenParam({
    definition,
    ...options,
    where({ code }) {
      if (code !== 'true' && code !== 'false') throw new RangeError(`"${code}" is not true or false`);
      return { sql: `(${expression}) = ?`, params: [code === 'true'] };
    },
  });
}

export type DateColumnKind = 'date' | 'timestamptz' | 'timestamp';

function dateWhere(column: string, kind: DateColumnKind, value: string): SqlCondition {
  const range = parseDateValue(value);
  const { prefix } = range;
  if (kind === 'date') {
    // The column's value is the whole day [c, c + 1 day).
    const ap = approximately(range);
    const bounds: Record<string, [string, string][]> = {
      eq: [
        ['>=', ceilDay(range.start)],
        ['<', floorDay(range.end)],
      ],
      gt: [['>=', floorDay(range.end)]],
      lt: [['<', ceilDay(range.start)]],
      ge: [['>=', floorDay(range.start)]],
      le: [['<', ceilDay(range.end)]],
      sa: [['>=', ceilDay(range.end)]],
      eb: [['<', floorDay(range.start)]],
      ap: [
        ['>=', floorDay(ap.start)],
        ['<', ceilDay(ap.end)],
      ],
    };
    const parts = bounds[prefix === 'ne' ? 'eq' : prefix]!;
    const sql = parts.map(([op]) => `${column} ${op} ?::date`).join(' and ');
    const params = parts.map(([, day]) => day);
    return prefix === 'ne' ? { sql: `(${column} is not null and not (${sql}))`, params } : { sql: `(${sql})`, params };
  }
  // A timestamp is a point: it matches a range it lies in.
  const text = (millis: number) => {
    const iso = new Date(millis).toISOString();
    return kind === 'timestamptz' ? iso : iso.slice(0, -1);
  };
  const cast = kind === 'timestamptz' ? '?::timestamptz' : '?::timestamp';
  const ap = approximately(range);
  const bounds: Record<string, [string, number][]> = {
    eq: [
      ['>=', range.start],
      ['<', range.end],
    ],
    gt: [['>=', range.end]],
    sa: [['>=', range.end]],
    lt: [['<', range.start]],
    eb: [['<', range.start]],
    ge: [['>=', range.start]],
    le: [['<', range.end]],
    ap: [
      ['>=', ap.start],
      ['<', ap.end],
    ],
  };
  const parts = bounds[prefix === 'ne' ? 'eq' : prefix]!;
  const sql = parts.map(([op]) => `${column} ${op} ${cast}`).join(' and ');
  const params = parts.map(([, millis]) => text(millis));
  return prefix === 'ne' ? { sql: `(${column} is not null and not (${sql}))`, params } : { sql: `(${sql})`, params };
}

/** date: every prefix, partial dates and time zones, over a DATE or timestamp column. */
export function dateParam(
  definition: string,
  column: string,
  options: ParamOptions & { kind?: DateColumnKind } = {},
): SearchParamDefinition {
  const kind = options.kind ?? 'date';
  return {
    type: 'date',
    definition,
    missing: options.missing ?? `${column} is null`,
    sort: options.sort ?? column,
    ...(options.documentation ? { documentation: options.documentation } : {}),
    where: ({ raw }) => dateWhere(column, kind, raw),
  };
}

function numberWhere(column: string, raw: string): SqlCondition {
  const n = parseNumberValue(raw);
  const one = (op: string, value: number) => ({ sql: `${column} ${op} ?`, params: [value] });
  switch (n.prefix) {
    case 'eq':
      return { sql: `(${column} >= ? and ${column} < ?)`, params: [n.low, n.high] };
    case 'ne':
      return { sql: `(${column} is not null and not (${column} >= ? and ${column} < ?))`, params: [n.low, n.high] };
    case 'gt':
    case 'sa':
      return one('>', n.value);
    case 'lt':
    case 'eb':
      return one('<', n.value);
    case 'ge':
      return one('>=', n.value);
    case 'le':
      return one('<=', n.value);
    case 'ap': {
      const gap = Math.abs(n.value) * 0.1;
      return { sql: `(${column} >= ? and ${column} <= ?)`, params: [n.value - gap, n.value + gap] };
    }
  }
}

/** number: prefixes and the implicit precision range. */
export function numberParam(definition: string, column: string, options: ParamOptions = {}): SearchParamDefinition {
  return {
    type: 'number',
    definition,
    missing: options.missing ?? `${column} is null`,
    sort: options.sort ?? column,
    where: ({ raw }) => numberWhere(column, raw),
  };
}

/** quantity: `[prefix]value[|system|code]`; the column holds values in one unit. */
export function quantityParam(
  definition: string,
  column: string,
  unit: { system: string; code: string },
  options: ParamOptions = {},
): SearchParamDefinition {
  return {
    type: 'quantity',
    definition,
    missing: options.missing ?? `${column} is null`,
    sort: options.sort ?? column,
    where({ raw }) {
      const [number = '', system = '', code = ''] = raw.split('|');
      if (system && system !== unit.system) return FALSE;
      if (code && code !== unit.code) return FALSE;
      return numberWhere(column, number);
    },
  };
}

/** uri: exact; :below (the value is a prefix) and :above (the column is a prefix of the value). */
export function uriParam(definition: string, column: string, options: ParamOptions = {}): SearchParamDefinition {
  return {
    type: 'uri',
    definition,
    modifiers: ['below', 'above'],
    missing: options.missing ?? `${column} is null`,
    sort: options.sort ?? column,
    where({ raw, modifier }) {
      if (modifier === 'below') return { sql: `${column} like ? escape '\\'`, params: [`${likeEscape(raw)}%`] };
      if (modifier === 'above') return { sql: `? like (${column} || '%')`, params: [raw] };
      return { sql: `${column} = ?`, params: [raw] };
    },
  };
}

/**
 * reference: `Type/id`, a bare id, `:Type` with an id (absolute URLs on our base arrive relative).
 * `targets` gives, per target type, the SQL of the referenced id; chains, _include, _revinclude
 * and _has follow them.
 */
export function referenceParam(
  definition: string,
  targets: Partial<Record<ResourceType, string>>,
  options: ParamOptions = {},
): SearchParamDefinition {
  const columns = [...new Set(Object.values(targets))] as string[];
  return {
    type: 'reference',
    definition,
    targets,
    missing: options.missing ?? allNull(columns),
    ...(options.sort ? { sort: options.sort } : {}),
    where({ code, modifier }) {
      const typed = /^([A-Z][A-Za-z]+)\/([^/]+)(?:\/_history\/[^/]+)?$/.exec(code);
      const type = typed?.[1] ?? modifier;
      const id = typed ? typed[2]! : code;
      if (!UUID.test(id)) return FALSE;
      const chosen = Object.entries(targets).filter(([t]) => type === undefined || t === type);
      const sql = [...new Set(chosen.map(([, column]) => column))];
      if (!sql.length) return FALSE;
      return { sql: `(${sql.map((c) => `${c} = ?::uuid`).join(' or ')})`, params: sql.map(() => id) };
    },
  };
}
