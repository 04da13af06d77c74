// Builders of search parameters (http://hl7.org/fhir/R4/search.html), compiled to SQL over a
// mapping's columns. Values are always bound, never spliced.
import type { SearchParamDefinition, SearchValue, MapContext, SqlCondition } from './types.js';

const likeEscape = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/** string: case-insensitive starts-with by default; :exact; :contains. */
export function stringParam(definition: string, columns: readonly string[]): SearchParamDefinition {
  return {
    type: 'string',
    definition,
    modifiers: ['exact', 'contains'],
    where({ code, modifier }) {
      const ors = columns.map((column) =>
        modifier === 'exact' ? `${column} = ?` : `lower(${column}) like lower(?) escape '\\'`,
      );
      const pattern =
        modifier === 'exact' ? code : modifier === 'contains' ? `%${likeEscape(code)}%` : `${likeEscape(code)}%`;
      return { sql: `(${ors.join(' or ')})`, params: columns.map(() => pattern) };
    },
  };
}

export function tokenParam(options: {
  definition: string;
  where(value: SearchValue, ctx: MapContext): SqlCondition;
}): SearchParamDefinition {
  return { type: 'token', definition: options.definition, modifiers: [], where: options.where };
}

/** date: eq/ne/lt/gt/le/ge on a DATE or TIMESTAMP column, partial dates as ranges. */
export function dateParam(definition: string, column: string): SearchParamDefinition {
  return {
    type: 'date',
    definition,
    where({ code }) {
      const match = /^(eq|ne|lt|gt|le|ge|sa|eb|ap)?(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(code);
      if (!match) throw new RangeError(`"${code}" is not a date such as 1980, 1980-05 or 1980-05-17`);
      const [, prefix = 'eq', y, m, d] = match;
      const start = `${y}-${m ?? '01'}-${d ?? '01'}`;
      const unit = d ? '1 day' : m ? '1 month' : '1 year';
      const end = `(?::date + interval '${unit}')`;
      switch (prefix) {
        case 'eq':
        case 'ap':
          return { sql: `(${column} >= ?::date and ${column} < ${end})`, params: [start, start] };
        case 'ne':
          return { sql: `(${column} < ?::date or ${column} >= ${end})`, params: [start, start] };
        case 'lt':
        case 'eb':
          return { sql: `${column} < ?::date`, params: [start] };
        case 'gt':
        case 'sa':
          return { sql: `${column} >= ${end}`, params: [start] };
        case 'le':
          return { sql: `${column} < ${end}`, params: [start] };
        default:
          return { sql: `${column} >= ?::date`, params: [start] };
      }
    },
  };
}
