// Search parameter builders the clinical mappings need beyond mappings/params.ts
// (http://hl7.org/fhir/R4/search.html#reference, #date, #quantity). Interim: the search engine's
// own reference/number/quantity builders are to replace these, with the same `type` fields.
import type { MapContext, SearchParamDefinition } from '../types.js';
import { localToInstant } from './hospital-time.js';

/** `Type/id`, a bare id, or an absolute URL ending in `Type/id` (with or without _history). */
export function parseReference(value: string): { type?: string; id: string } {
  const path = value.replace(/\/_history\/[^/]+$/, '');
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([^/]+)$/.exec(path);
  return match ? { type: match[1], id: match[2]! } : { id: path };
}

/** reference: the search engine's builder (targets, :Type, chains, :missing). */
export { referenceParam } from '../params.js';

const DATE_VALUE =
  /^(eq|ne|lt|gt|le|ge|sa|eb|ap)?(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The range [start, end) a date search value stands for, as instants; a value without a zone is hospital time. */
export function dateRange(code: string, ctx: MapContext): { prefix: string; start: string; end: string } {
  const match = DATE_VALUE.exec(code);
  if (!match) throw new RangeError(`"${code}" is not a date or time such as 2026-05-17 or 2026-05-17T09:30:00+02:00`);
  const [, prefix = 'eq', y, m, d, hh, mm, ss, , zone] = match;
  const local = (year: number, month: number, day: number) => {
    const date = new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);
    return localToInstant(date, '00:00', ctx.timeZone)!;
  };
  if (hh !== undefined) {
    const wall = `${y}-${m}-${d}T${hh}:${mm}:${ss ?? '00'}`;
    const startMs = zone
      ? Date.parse(`${wall}${zone}`)
      : Date.parse(localToInstant(`${y}-${m}-${d}`, `${hh}:${mm}`, ctx.timeZone)!) + Number(ss ?? 0) * 1000;
    if (Number.isNaN(startMs)) throw new RangeError(`"${code}" is not a valid time`);
    const step = ss !== undefined ? 1000 : 60000;
    return { prefix, start: new Date(startMs).toISOString(), end: new Date(startMs + step).toISOString() };
  }
  const year = Number(y);
  const month = Number(m ?? 1);
  const day = Number(d ?? 1);
  const start = local(year, month, day);
  const end = d ? local(year, month, day + 1) : m ? local(year, month + 1, 1) : local(year + 1, 1, 1);
  return { prefix, start, end };
}

/** date over an SQL expression of type timestamptz (given the context, for the hospital's zone). */
export function dateTimeParam(definition: string, expression: (ctx: MapContext) => string): SearchParamDefinition {
  return {
    type: 'date',
    definition,
    where({ code }, ctx) {
      const { prefix, start, end } = dateRange(code, ctx);
      const e = expression(ctx);
      switch (prefix) {
        case 'eq':
        case 'ap':
          return { sql: `(${e} >= ?::timestamptz and ${e} < ?::timestamptz)`, params: [start, end] };
        case 'ne':
          return { sql: `(${e} < ?::timestamptz or ${e} >= ?::timestamptz)`, params: [start, end] };
        case 'lt':
        case 'eb':
          return { sql: `${e} < ?::timestamptz`, params: [start] };
        case 'gt':
        case 'sa':
          return { sql: `${e} >= ?::timestamptz`, params: [end] };
        case 'le':
          return { sql: `${e} < ?::timestamptz`, params: [end] };
        default:
          return { sql: `${e} >= ?::timestamptz`, params: [start] };
      }
    },
  };
}

/** A TIMESTAMP column (UTC without a zone) as timestamptz. */
export const utcTimestamp = (column: string) => () => `(${column} at time zone 'UTC')`;

const NUMBER_VALUE = /^(eq|ne|lt|gt|le|ge|sa|eb|ap)?(-?\d+(?:\.\d+)?)(?:\|([^|]*)\|(.*))?$/;

/** quantity (or number) over a numeric column, compared exactly as decimals; a unit, when given, must be `unit`. */
export function decimalParam(
  type: 'number' | 'quantity',
  definition: string,
  column: string,
  unit?: string,
): SearchParamDefinition {
  return {
    type,
    definition,
    where({ raw }) {
      const match = NUMBER_VALUE.exec(raw);
      if (!match) throw new RangeError(`"${raw}" is not a number such as 125.50 or ge100`);
      const [, prefix = 'eq', value, , code] = match;
      if (code && unit && code !== unit) return { sql: 'false', params: [] };
      const op = { eq: '=', ap: '=', ne: '<>', lt: '<', eb: '<', gt: '>', sa: '>', le: '<=', ge: '>=' }[prefix]!;
      return { sql: `${column} ${op} ?::numeric`, params: [value] };
    },
  };
}

/** _lastUpdated over the version head (search/run.ts joins fhir_resources as h). */
export const lastUpdatedParam = dateTimeParam(
  'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated',
  () => 'h.last_updated',
);
