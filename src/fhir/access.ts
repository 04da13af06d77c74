// What the caller may touch, as the FHIR layer sees it (D8): a check per interaction and SQL
// predicates over a mapping's `source.from` aliases that every query ANDs in. The SMART
// implementation is src/auth/access-policy.ts; no access on a request means authorization is off.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Interaction, ResourceMapping, SqlCondition } from '../../mappings/types.js';
import { numbered, rawQuery } from '../db/raw-query.js';
import type { SqlSession } from '../db/sql-session.js';
import { FhirError } from './outcome.js';
import { isUuid } from './repository.js';
import { rowOfId } from './row-of-id.js';

export interface FhirAccess {
  /** Throws a 403 FhirError unless the caller's scopes allow `interaction` on the mapping's type. */
  check(mapping: ResourceMapping, interaction: Interaction): void;
  /**
   * The rows the caller may see for `interaction` (search-type by default), or undefined when
   * every row is allowed. This is the hook the search engine ANDs into match, count and include
   * queries: `access?: { filter(mapping): SqlCondition | undefined }`.
   */
  filter(mapping: ResourceMapping, interaction?: Interaction): SqlCondition | undefined;
  /**
   * Whether the caller may reach the resource with this id, when that can be told without the
   * database (a compartment on the resource's own id, such as Patient's); undefined otherwise.
   */
  allowsId?(mapping: ResourceMapping, interaction: Interaction, id: string): boolean | undefined;
}

/**
 * Instance interactions on a row the caller may not see answer 404, as if it did not exist (a 403
 * would confirm the id; searches hide such rows too). An id with no row yet passes: what a
 * write creates there is checked by `assertWritten`.
 */
export async function assertVisible(
  em: () => EntityManager,
  mapping: ResourceMapping,
  id: string,
  access: FhirAccess | undefined,
  interaction: Interaction,
): Promise<void> {
  const condition = access?.filter(mapping, interaction);
  if (!condition) return;
  const known = access!.allowsId?.(mapping, interaction, id);
  if (known === true) return;
  if (known === false) throw FhirError.notFound(`${mapping.resourceType}/${id} is not known`);
  if (!isUuid(id)) throw FhirError.notFound(`${mapping.resourceType}/${id} is not known`);
  const one = rowOfId(mapping, id, `(${condition.sql}) as ok`, true);
  const rows = await rawQuery<{ ok: boolean }>(em(), one.sql, [...condition.params, ...one.params]);
  if (rows.length > 0 && !rows[0]!.ok) throw FhirError.notFound(`${mapping.resourceType}/${id} is not known`);
}

/** After a write, in its transaction: the written row must be one the caller may write (else 403, rolled back). */
export async function assertWritten(
  sql: SqlSession,
  mapping: ResourceMapping,
  id: string,
  access: FhirAccess | undefined,
  interaction: Interaction,
): Promise<void> {
  const condition = access?.filter(mapping, interaction);
  if (!condition) return;
  const one = rowOfId(mapping, id, `(${condition.sql}) as ok`, true);
  const rows = await sql.query<{ ok: boolean }>(numbered(one.sql), [...condition.params, ...one.params]);
  if (!rows[0]?.ok)
    throw new FhirError(
      'forbidden',
      'FHIR-0403',
      `the access token does not allow writing this ${mapping.resourceType}: it is outside the token's patient compartment or scope restrictions`,
    );
}
