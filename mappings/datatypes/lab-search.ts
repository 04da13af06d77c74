// Search parameters the lab mappings share (http://hl7.org/fhir/R4/search.html#token): a test or
// analyte code with its system, and a status over a status table.
import { tokenParam } from '../params.js';
import type { SearchParamDefinition, SqlCondition } from '../types.js';
import { codeSystemOf } from './lab-codes.js';
import type { statusTable } from './status-maps.js';

const FALSE: SqlCondition = { sql: 'false', params: [] };

/**
 * token over a code column (`system|code`, `code`, `system|`); `systemColumn`, when the rows name
 * their system, else the system is the one the code's shape implies (codeSystemOf). :text searches the name.
 */
export function labCodeParam(
  definition: string,
  codeColumn: string,
  nameColumn: string,
  systemColumn?: string,
): SearchParamDefinition {
  return tokenParam({
    definition,
    text: [nameColumn],
    missing: `${codeColumn} is null`,
    where({ system, code }, ctx) {
      if (system === undefined) return code === '' ? FALSE : { sql: `${codeColumn} = ?`, params: [code] };
      const loinc = `${codeColumn} ~ '^[0-9]{1,7}-[0-9]$'`;
      const implied =
        system === ctx.labCodeSystem ? loinc : system === codeSystemOf('x', ctx) ? `not (${loinc})` : 'false';
      const systemSql: SqlCondition = systemColumn
        ? { sql: `(${systemColumn} = ? or (${systemColumn} is null and ${implied}))`, params: [system] }
        : { sql: implied, params: [] };
      if (code === '') return { sql: `(${codeColumn} is not null and ${systemSql.sql})`, params: systemSql.params };
      return { sql: `(${codeColumn} = ? and ${systemSql.sql})`, params: [code, ...systemSql.params] };
    },
  });
}

/** token over lab_tests.status through a status table (a FHIR code matches every column value it reads from). */
export function labStatusParam(
  definition: string,
  table: ReturnType<typeof statusTable<string>>,
  column = 'lt.status',
): SearchParamDefinition {
  return tokenParam({
    definition,
    where({ code }) {
      const values = Object.entries(table.toFhir)
        .filter(([, c]) => c === code)
        .map(([v]) => v);
      const orNull = code === table.render(null).code ? `${column} is null or ` : '';
      if (code === table.fallback)
        return {
          sql: `(${column} is not null and ${column} not in (${Object.keys(table.toFhir)
            .map(() => '?')
            .join(', ')}))`,
          params: Object.keys(table.toFhir),
        };
      return values.length
        ? { sql: `(${orNull}${column} in (${values.map(() => '?').join(', ')}))`, params: values }
        : orNull
          ? { sql: `${column} is null`, params: [] }
          : FALSE;
    },
  });
}
