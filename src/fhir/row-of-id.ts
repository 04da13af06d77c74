// The one row of a resource id, for reads and access checks: through `from`, or for computed rows
// (ResourceMapping.source.appendOnly.byId) through the FROM clause that finds it directly.
import type { ResourceMapping } from '../../mappings/types.js';

/**
 * `select <columns>` of the mapping's row of an id, its `from` aliases in scope; `asText` compares
 * the id as text (an id that is no uuid then matches nothing instead of failing the cast).
 */
export function rowOfId(mapping: ResourceMapping, id: string, columns: string, asText = false) {
  const { from, appendOnly } = mapping.source;
  const where = `${mapping.source.id}${asText ? '::text' : ''} = ?`;
  return appendOnly?.byId
    ? { sql: `select ${columns} from ${appendOnly.byId} where ${where} limit 1`, params: [id, id] }
    : { sql: `select ${columns} from ${from} where ${where} limit 1`, params: [id] };
}
