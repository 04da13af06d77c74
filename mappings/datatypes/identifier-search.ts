// Identifier as a token (http://hl7.org/fhir/R4/search.html#token): `value`, `system|value`,
// `|value` (an identifier without system: ours always have one) and `system|` (any value of it);
// `:of-type` (search.html#modifiers) takes `system|code|value`, system|code being the v2-0203 type.
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
  /** The v2-0203 code of the identifiers the column holds, rendered as their type and matched by :of-type. */
  type?: string;
  /** The column holding the value; or `match` for values kept elsewhere (keyed hashes). */
  column?: string;
  match?(value: string): SqlCondition;
  /** `system|`: SQL true when the row has such an identifier (defaults to the column not null). */
  present?: string;
}

/** `system|code|value` of :of-type; a RangeError (400) when a part is missing. */
function ofType(system: string | undefined, code: string) {
  const bar = code.indexOf('|');
  const type = bar < 0 ? '' : code.slice(0, bar);
  const value = bar < 0 ? '' : code.slice(bar + 1);
  if (!system || !type || !value) throw new RangeError(`:of-type takes system|code|value, got ${system ?? ''}|${code}`);
  return { system, type, value };
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
    /** The v2-0203 codes the columns carry, told in the CapabilityStatement. */
    types?: readonly string[];
  } = {},
): SearchParamDefinition {
  return {
    type: 'token',
    definition,
    ...(options.types?.length
      ? {
          documentation: `:of-type takes ${IDENTIFIER_TYPE}|code|value, code one of ${options.types.join(', ')}`,
        }
      : {}),
    modifiers: ['of-type'],
    missing: options.missing ?? 'false',
    where({ system, code: raw, modifier }, ctx) {
      let chosen: IdentifierColumn[];
      let code = raw;
      if (modifier === 'of-type') {
        const typed = ofType(system, raw);
        code = typed.value;
        chosen = typed.system === IDENTIFIER_TYPE ? columns(ctx).filter((c) => c.type === typed.type) : [];
      } else chosen = columns(ctx).filter((c) => system === undefined || system === c.system);
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
