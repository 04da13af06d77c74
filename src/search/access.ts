// The access-control hook of search (D8, STYLE habit 7): a predicate the authorization layer
// supplies per request and the engine ANDs into the SQL of every match query, every count, every
// chain and _has subquery and every _include/_revinclude query, so a restricted client never
// receives, counts or probes rows it may not see.
import type { ResourceMapping, SqlCondition } from '../../mappings/types.js';

export interface SearchAccess {
  /**
   * SQL over the mapping's `source.from` aliases (and the resource head `h`) that a visible row
   * satisfies; undefined for no restriction. Typically built from `mapping.compartment.Patient`,
   * e.g. `{ sql: 'p.id = ?::uuid', params: [patientId] }`; a mapping the client may not search at
   * all gets `{ sql: 'false', params: [] }`.
   */
  filter(mapping: ResourceMapping): SqlCondition | undefined;
}
