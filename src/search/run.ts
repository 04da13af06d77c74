// A search over one mapping compiled to one SQL query (D7): the mapping's conditions AND-ed, each
// occurrence's values OR-ed, deleted resources excluded; the page comes with its renderings.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MapContext, ResourceMapping, SqlCondition } from '../../mappings/types.js';
import { FhirError } from '../fhir/outcome.js';
import { appendOnlyColumns, type VersionRow } from '../fhir/repository.js';
import type { Query } from '../fhir/request.js';
import { parseSearch } from './parse.js';

export interface CompiledSearch {
  where: SqlCondition;
  count: number;
  offset: number;
  ignored: string[];
}

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 500;

export function compileSearch(
  mapping: ResourceMapping,
  query: Query,
  ctx: MapContext,
  strict: boolean,
): CompiledSearch {
  const { params, result } = parseSearch(query);
  const sql: string[] = [];
  const values: unknown[] = [];
  const ignored: string[] = [];
  for (const param of params) {
    if (param.name === '_id') {
      const ids = param.values.map((v) => v.raw);
      sql.push(`${mapping.source.id}::text in (${ids.map(() => '?').join(', ')})`);
      values.push(...ids);
      continue;
    }
    const definition = mapping.search[param.name];
    if (!definition || (param.modifier && !definition.modifiers?.includes(param.modifier))) {
      const what = definition
        ? `the modifier :${param.modifier} of ${param.name}`
        : `the search parameter ${param.name}`;
      if (strict) throw FhirError.invalid(`${mapping.resourceType} does not support ${what}`);
      ignored.push(param.modifier ? `${param.name}:${param.modifier}` : param.name);
      continue;
    }
    const ors = param.values.map((value) => {
      try {
        return definition.where(value, ctx);
      } catch (error) {
        throw FhirError.invalid(`${param.name}: ${(error as Error).message}`);
      }
    });
    sql.push(`(${ors.map((o) => o.sql).join(' or ')})`);
    for (const o of ors) values.push(...o.params);
  }
  const count = result._count === undefined ? DEFAULT_COUNT : Number(result._count);
  if (!Number.isInteger(count) || count < 0)
    throw FhirError.invalid(`_count must be a whole number, got ${result._count}`);
  const offset = result._offset === undefined ? 0 : Number(result._offset);
  if (!Number.isInteger(offset) || offset < 0)
    throw FhirError.invalid(`_offset must be a whole number, got ${result._offset}`);
  return {
    where: { sql: sql.length ? sql.join(' and ') : 'true', params: values },
    count: Math.min(count, MAX_COUNT),
    offset,
    ignored,
  };
}

/** An append-only source has no version rows: its rows are searched and rendered as they are. */
async function runAppendOnlySearch(em: EntityManager, mapping: ResourceMapping, search: CompiledSearch) {
  const { from, appendOnly } = mapping.source;
  const { sql, params } = search.where;
  const rows =
    search.count === 0
      ? []
      : await em.execute<VersionRow[]>(
          `select ${appendOnlyColumns(mapping)} from ${from} where ${sql}
            order by ${appendOnly!.lastUpdated} desc, ${mapping.source.id} limit ? offset ?`,
          [...params, search.count, search.offset],
        );
  const [{ total } = { total: 0 }] = await em.execute<{ total: number }[]>(
    `select count(*)::int as total from ${from} where ${sql}`,
    params,
  );
  return { rows, total };
}

export async function runSearch(
  em: EntityManager,
  mapping: ResourceMapping,
  search: CompiledSearch,
): Promise<{ rows: VersionRow[]; total: number }> {
  if (mapping.source.appendOnly) return runAppendOnlySearch(em, mapping, search);
  const from = `fhir_resources h join ${mapping.source.from} on ${mapping.source.id} = h.id
    join fhir_resource_versions v on v.resource_type = h.resource_type and v.id = h.id and v.version_id = h.version_id`;
  const filter = `h.resource_type = ? and not h.deleted and ${search.where.sql}`;
  const params = [mapping.resourceType, ...search.where.params];
  const rows =
    search.count === 0
      ? []
      : await em.execute<VersionRow[]>(
          `select v.id, v.version_id, v.last_updated, v.deleted, v.rendered, case when v.rendered is null then v.snapshot end as snapshot
             from ${from} where ${filter} order by h.last_updated desc, h.id limit ? offset ?`,
          [...params, search.count, search.offset],
        );
  const [{ total } = { total: 0 }] = await em.execute<{ total: number }[]>(
    `select count(*)::int as total from ${from} where ${filter}`,
    params,
  );
  return { rows, total };
}
