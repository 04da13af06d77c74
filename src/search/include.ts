// _include and _revinclude (http://hl7.org/fhir/R4/search.html#include), with :iterate and *:
// the resources the matches refer to, and those referring to them, through the reference
// parameters' targets, under the same access predicate as the matches.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ResourceMapping, SearchParamDefinition } from '../../mappings/types.js';
import { FhirError } from '../fhir/outcome.js';
import type { VersionRow } from '../fhir/repository.js';
import { accessOf, resourcesOf, type CompileEnv } from './compile.js';
import type { IncludeSpec, ResultParams } from './parse.js';
import { rawQuery } from '../db/raw-query.js';
import { and } from './sql.js';

export interface IncludedRow extends VersionRow {
  resource_type: string;
}

/** Includes per query, and rounds of :iterate. */
const MAX_INCLUDED = 1000;
const MAX_ROUNDS = 3;

const VERSION_COLUMNS = `v.id, v.version_id, v.last_updated, v.deleted, v.rendered, h.resource_type,
  case when v.rendered is null then v.snapshot end as snapshot`;

const uuidArray = (ids: readonly string[]) => `{${ids.join(',')}}`;

function referenceParams(mapping: ResourceMapping, param: string): [string, SearchParamDefinition][] {
  if (param === '*') return Object.entries(mapping.search).filter(([, d]) => d.type === 'reference' && d.targets);
  const definition = Object.hasOwn(mapping.search, param) ? mapping.search[param] : undefined;
  if (!definition || definition.type !== 'reference' || !definition.targets)
    throw FhirError.invalid(`${mapping.resourceType}:${param} is not a reference parameter to include by`);
  return [[param, definition]];
}

async function rowsOf(
  em: EntityManager,
  target: ResourceMapping,
  condition: { sql: string; params: unknown[] },
  env: CompileEnv,
): Promise<IncludedRow[]> {
  const from = resourcesOf(target);
  const where = and([condition, accessOf(target, env)]);
  return rawQuery<IncludedRow>(
    em,
    `select ${VERSION_COLUMNS} from ${from.sql}
       join fhir_resource_versions v on v.resource_type = h.resource_type and v.id = h.id and v.version_id = h.version_id
      where ${where.sql} limit ${MAX_INCLUDED}`,
    [...from.params, ...where.params],
  );
}

export async function findIncludes(
  em: EntityManager,
  byType: ReadonlyMap<string, ResourceMapping>,
  searched: readonly ResourceMapping[],
  matches: readonly { id: string; resource_type: string }[],
  result: ResultParams,
  env: CompileEnv,
  warnings: string[],
  strict: boolean,
): Promise<IncludedRow[]> {
  if (!result.include.length && !result.revinclude.length) return [];
  const seen = new Set(matches.map((m) => `${m.resource_type}/${m.id}`));
  const included: IncludedRow[] = [];
  const unknown = (spec: IncludeSpec) => {
    const message = `${spec.text} names no resource type this server searches`;
    if (strict) throw FhirError.invalid(message);
    warnings.push(`ignored _include/_revinclude ${message}`);
  };
  for (const spec of [...result.include, ...result.revinclude])
    if (spec.source !== '*' && !byType.has(spec.source)) unknown(spec);

  let frontier = matches.map((m) => ({ id: m.id, type: m.resource_type }));
  for (let round = 0; round < MAX_ROUNDS && frontier.length; round++) {
    const found: IncludedRow[] = [];
    const idsOf = (type: string) => frontier.filter((f) => f.type === type).map((f) => f.id);
    const applies = (spec: IncludeSpec) => round === 0 || spec.iterate;
    for (const spec of result.include.filter(applies)) {
      const sources = spec.source === '*' ? [...byType.values()] : [byType.get(spec.source)].filter(Boolean);
      for (const source of sources as ResourceMapping[]) {
        const ids = idsOf(source.resourceType);
        if (!ids.length || (round === 0 && !searched.includes(source) && spec.source !== '*')) continue;
        for (const [, definition] of referenceParams(source, spec.source === '*' ? '*' : spec.param))
          for (const [type, column] of Object.entries(definition.targets!)) {
            const target = byType.get(type);
            if (!target || (spec.target && spec.target !== type)) continue;
            // `= any(array(...))`, not `in (...)`: an array is a restriction the planner pushes into each
            // leg of a union source (Observation), where a semi-join would scan the whole union
            found.push(
              ...(await rowsOf(
                em,
                target,
                {
                  sql: `${target.source.id} = any(array(select ${column} from ${source.source.from} where ${source.source.id} = any(?::uuid[])))`,
                  params: [uuidArray(ids)],
                },
                env,
              )),
            );
          }
      }
    }
    for (const spec of result.revinclude.filter(applies)) {
      const source = byType.get(spec.source);
      if (!source) continue;
      for (const [, definition] of referenceParams(source, spec.param))
        for (const [type, column] of Object.entries(definition.targets!)) {
          const ids = idsOf(type);
          if (!ids.length || (spec.target && spec.target !== type)) continue;
          const sql = definition.setValued
            ? `exists (select 1 from (select ${column}) r(ref) where r.ref = any(?::uuid[]))`
            : `${column} = any(?::uuid[])`;
          found.push(...(await rowsOf(em, source, { sql, params: [uuidArray(ids)] }, env)));
        }
    }
    frontier = [];
    for (const row of found) {
      const key = `${row.resource_type}/${row.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      included.push(row);
      frontier.push({ id: row.id, type: row.resource_type });
    }
  }
  return included;
}
