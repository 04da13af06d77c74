// search-type (http://hl7.org/fhir/R4/http.html#search): a searchset Bundle built around the stored
// renderings, which are spliced in as text (D13).
import { compileSearch, runSearch } from '../../search/run.js';
import type { MapContext } from '../../../mappings/types.js';
import type { FhirResponse, InteractionContext, Query } from '../request.js';
import { subset } from '../summary.js';

const lenient = (prefer: string | undefined) => /handling=lenient/.test(prefer ?? '');

function selfLink(baseUrl: string, type: string, query: Query, overrides: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    for (const v of Array.isArray(value) ? value : [value]) if (!(key in overrides)) params.append(key, v);
  for (const [key, value] of Object.entries(overrides)) params.set(key, value);
  const text = params.toString();
  return `${baseUrl}/${type}${text ? `?${text}` : ''}`;
}

/** Ids of the resources that match a query (conditional create, update and delete). */
export async function matchingIds(ctx: InteractionContext, mapContext: MapContext, query: Query): Promise<string[]> {
  const search = compileSearch(ctx.mapping, query, mapContext, true);
  const { rows } = await runSearch(ctx.repository.entityManager, ctx.mapping, { ...search, count: 2, offset: 0 });
  return rows.map((r) => r.id);
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

export async function searchType(ctx: InteractionContext, mapContext: MapContext): Promise<FhirResponse> {
  const { mapping, request, repository } = ctx;
  const search = compileSearch(mapping, request.query, mapContext, !lenient(request.headers.prefer));
  const summary = typeof request.query._summary === 'string' ? request.query._summary : undefined;
  const elements = typeof request.query._elements === 'string' ? request.query._elements : undefined;
  const { rows, total } = await runSearch(
    repository.entityManager,
    mapping,
    summary === 'count' ? { ...search, count: 0 } : search,
  );
  const versions = await repository.materialiseRows(mapping, rows);
  const links = [{ relation: 'self', url: selfLink(request.baseUrl, mapping.resourceType, request.query) }];
  if (search.offset + rows.length < total && rows.length > 0)
    links.push({
      relation: 'next',
      url: selfLink(request.baseUrl, mapping.resourceType, request.query, {
        _offset: String(search.offset + search.count),
      }),
    });
  const entries = versions.map((v) => {
    const resource =
      summary || elements ? JSON.stringify(subset(JSON.parse(v.body!), mapping, summary, elements)) : v.body!;
    return `{"fullUrl":${JSON.stringify(`${request.baseUrl}/${mapping.resourceType}/${v.id}`)},"resource":${resource},"search":{"mode":"match"}}`;
  });
  if (search.ignored.length)
    entries.push(
      `{"resource":${JSON.stringify({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'warning', code: 'not-supported', diagnostics: `ignored: ${search.ignored.join(', ')}` }],
      })},"search":{"mode":"outcome"}}`,
    );
  const head = JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total, link: links });
  const text = entries.length ? `${head.slice(0, -1)},"entry":[${entries.join(',')}]}` : head;
  return {
    status: 200,
    text,
    audit: {
      patients: await patientsOf(
        ctx,
        rows.map((r) => r.id),
      ),
    },
  };
}
