// SQL conditions with their bound values (`?` placeholders in order, knex raw syntax).
import type { SqlCondition } from '../../mappings/types.js';

export const TRUE: SqlCondition = { sql: 'true', params: [] };

export function and(conditions: readonly SqlCondition[]): SqlCondition {
  const real = conditions.filter((c) => c.sql !== 'true');
  if (!real.length) return TRUE;
  if (real.length === 1) return real[0]!;
  return { sql: real.map((c) => `(${c.sql})`).join(' and '), params: real.flatMap((c) => c.params) };
}

export function or(conditions: readonly SqlCondition[]): SqlCondition {
  if (!conditions.length) return { sql: 'false', params: [] };
  if (conditions.length === 1) return conditions[0]!;
  return { sql: `(${conditions.map((c) => `(${c.sql})`).join(' or ')})`, params: conditions.flatMap((c) => c.params) };
}

/** Negation where unknown (NULL) counts as false, so rows without the element match :not. */
export const not = (condition: SqlCondition): SqlCondition => ({
  sql: `not coalesce((${condition.sql}), false)`,
  params: condition.params,
});

export { numbered } from '../db/raw-query.js';
