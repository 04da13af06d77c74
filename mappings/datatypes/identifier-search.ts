// Identifier as a token (http://hl7.org/fhir/R4/search.html#token): `value`, `system|value`,
// `|value` (an identifier without system: ours always have one) and `system|` (any value of it).
import type { CodeableConcept } from 'fhir/r4.js';
import type { MapContext, SearchParamDefinition, SlotRule, SqlCondition } from '../types.js';

export const IDENTIFIER_TYPE = 'http://terminology.hl7.org/CodeSystem/v2-0203';

/** The type of the identifiers a column holds: a v2-0203 code, e.g. MR. */
export const identifierType = (code: string): CodeableConcept => ({ coding: [{ system: IDENTIFIER_TYPE, code }] });

/**
 * D4: a column's identifier renders its type coding; a client's other codings (another code of
 * v2-0203 included) are kept beside it in the order sent, not merged into the column's.
 */
export const identifierTypeCodingSlot: SlotRule = {
  path: 'identifier.type.coding',
  key: (item) =>
    typeof item.system === 'string' && typeof item.code === 'string' ? `${item.system}|${item.code}` : undefined,
};

export interface IdentifierColumn {
  system: string;
  /** The v2-0203 code of the identifiers the column holds, rendered as their type. */
  type?: string;
  /** The column holding the value; or `match` for values kept elsewhere (keyed hashes). */
  column?: string;
  match?(value: string): SqlCondition;
  /** `system|`: SQL true when the row has such an identifier (defaults to the column not null). */
  present?: string;
}

export function identifierParam(
  definition: string,
  columns: (ctx: MapContext) => IdentifierColumn[],
  options: {
    missing?: string;
    /**
     * The mapping's rows (`source.id` and `source.from`): a value without system, which may be
     * in any of several tables, then becomes a union of one index-served lookup per column.
     */
    rows?: { id: string; from: string };
  } = {},
): SearchParamDefinition {
  return {
    type: 'token',
    definition,
    modifiers: [],
    missing: options.missing ?? 'false',
    where({ system, code }, ctx) {
      const chosen = columns(ctx).filter((c) => system === undefined || system === c.system);
      const ors: SqlCondition[] = chosen.flatMap((c): SqlCondition[] => {
        if (code === '')
          return c.present || c.column ? [{ sql: c.present ?? `${c.column} is not null`, params: [] }] : [];
        if (c.match) return [c.match(code)];
        return c.column ? [{ sql: `${c.column} = ?`, params: [code] }] : [];
      });
      if (!ors.length) return { sql: 'false', params: [] };
      if (options.rows && ors.length > 1 && code !== '') {
        const { id, from } = options.rows;
        const union = ors.map((o) => `select ${id} from ${from} where ${o.sql}`).join(' union all ');
        return { sql: `${id} in (${union})`, params: ors.flatMap((o) => o.params) };
      }
      return { sql: `(${ors.map((o) => o.sql).join(' or ')})`, params: ors.flatMap((o) => o.params) };
    },
  };
}
