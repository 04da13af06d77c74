// search-type and compartment search (http://hl7.org/fhir/R4/http.html#search,
// search.html#compartments): a searchset Bundle around the stored renderings, spliced in as text
// (D13), with self/first/next/prev links that carry signed keyset cursors.
import type { MapContext, ResourceMapping } from '../../../mappings/types.js';
import type { SearchResult } from '../../search/engine.js';
import { parseSearchRequest } from '../../search/parse.js';
import type { FhirResponse, InteractionContext, Query } from '../request.js';
import { subset } from '../summary.js';

/** Lenient is the default (search.html#errors); `Prefer: handling=strict` makes unknown parameters a 400. */
export const strictHandling = (prefer: string | undefined) => /handling\s*=\s*strict/.test(prefer ?? '');

const NOT_IN_LINKS = new Set(['_cursor', '_format', '_pretty']);

export function pageLink(baseUrl: string, path: string, query: Query, cursor?: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (!NOT_IN_LINKS.has(key)) for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  if (cursor) params.set('_cursor', cursor);
  const text = params.toString();
  return `${baseUrl}${path ? `/${path}` : ''}${text ? `?${text}` : ''}`;
}

/** The query as the cursor binds it: the same search, whatever the parameter order. */
export function canonicalQuery(path: string, query: Query): string {
  const entries = Object.entries(query)
    .filter(([key]) => !NOT_IN_LINKS.has(key))
    .map(([key, value]) => [key, Array.isArray(value) ? value : [value]] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([path, entries]);
}

/** The patients whose data a page holds (D9: a search records them): the ids themselves for Patient. */
async function patientsOf({ mapping, repository }: InteractionContext, ids: string[]): Promise<string[] | undefined> {
  const compartment = mapping.compartment?.Patient;
  if (!compartment) return undefined;
  if (compartment === mapping.source.id || ids.length === 0) return ids;
  const rows = await repository.entityManager.execute<{ patient: string }[]>(
    `select distinct ${compartment} as patient from ${mapping.source.from} where ${mapping.source.id} in (${ids.map(() => '?').join(', ')})`,
    ids,
  );
  return rows.map((r) => r.patient);
}

/** Ids of the resources that match a query (conditional create, update and delete): strict, two at most. */
export async function matchingIds(ctx: InteractionContext, _mapContext: MapContext, query: Query): Promise<string[]> {
  const request = parseSearchRequest(query);
  const result = await ctx.search.search(ctx.repository.reader, ctx.mapping, request, {
    strict: true,
    baseUrl: ctx.request.baseUrl,
    access: ctx.request.access,
    limit: 2,
    canonicalQuery: '',
  });
  return result.matches.map((r) => r.id);
}

export interface BundleInput {
  path: string;
  query: Query;
  baseUrl: string;
  result: SearchResult;
  summary?: string;
  elements?: string;
  mappingOf(type: string): ResourceMapping;
  materialise(mapping: ResourceMapping, rows: SearchResult['matches']): Promise<{ id: string; body?: string }[]>;
}

export async function searchsetBundle(input: BundleInput): Promise<string> {
  const { result, baseUrl, path, query } = input;
  const links = [
    {
      relation: 'self',
      url: pageLink(baseUrl, path, query, typeof query._cursor === 'string' ? query._cursor : undefined),
    },
  ];
  links.push({ relation: 'first', url: pageLink(baseUrl, path, query) });
  if (result.prev) links.push({ relation: 'previous', url: pageLink(baseUrl, path, query, result.prev) });
  if (result.next) links.push({ relation: 'next', url: pageLink(baseUrl, path, query, result.next) });
  const entries: string[] = [];
  const add = async (rows: SearchResult['matches'], mode: 'match' | 'include') => {
    const byType = new Map<string, SearchResult['matches']>();
    for (const row of rows) byType.set(row.resource_type, [...(byType.get(row.resource_type) ?? []), row]);
    for (const [type, group] of byType) {
      const mapping = input.mappingOf(type);
      for (const v of await input.materialise(mapping, group)) {
        if (!v.body) continue;
        const resource =
          input.summary || input.elements
            ? JSON.stringify(subset(JSON.parse(v.body), mapping, input.summary, input.elements))
            : v.body;
        entries.push(
          `{"fullUrl":${JSON.stringify(`${baseUrl}/${type}/${v.id}`)},"resource":${resource},"search":{"mode":"${mode}"}}`,
        );
      }
    }
  };
  await add(result.matches, 'match');
  await add(
    result.included.map((r) => ({ ...r, keys: [] })),
    'include',
  );
  if (result.warnings.length)
    entries.push(
      `{"resource":${JSON.stringify({
        resourceType: 'OperationOutcome',
        issue: result.warnings.map((diagnostics) => ({ severity: 'warning', code: 'not-supported', diagnostics })),
      })},"search":{"mode":"outcome"}}`,
    );
  const head = JSON.stringify({
    resourceType: 'Bundle',
    type: 'searchset',
    ...(result.total !== undefined ? { total: result.total } : {}),
    link: links,
  });
  return entries.length ? `${head.slice(0, -1)},"entry":[${entries.join(',')}]}` : head;
}

export async function searchType(
  ctx: InteractionContext,
  _mapContext: MapContext,
  compartment?: { type: 'Patient'; id: string },
): Promise<FhirResponse> {
  const { mapping, request, repository } = ctx;
  const search = parseSearchRequest(request.query);
  const path = compartment ? `${compartment.type}/${compartment.id}/${mapping.resourceType}` : mapping.resourceType;
  const result = await ctx.search.search(repository.reader, mapping, search, {
    strict: strictHandling(request.headers.prefer),
    baseUrl: request.baseUrl,
    access: request.access,
    ...(compartment ? { compartment } : {}),
    canonicalQuery: canonicalQuery(path, request.query),
  });
  const text = await searchsetBundle({
    path,
    query: request.query,
    baseUrl: request.baseUrl,
    result,
    summary: search.result.summary,
    elements: search.result.elements,
    mappingOf: (type) => ctx.search.mapping(type),
    materialise: (m, rows) => repository.materialiseRows(m, rows),
  });
  const ids = result.matches.map((r) => r.id);
  return { status: 200, text, audit: { patients: await patientsOf(ctx, ids) } };
}
