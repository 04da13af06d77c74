// Patient/$everything (http://hl7.org/fhir/R4/patient-operation-everything.html): every resource in
// the patient's compartment (each mapping's `compartment`), or in every patient's at type level,
// as one search across those types: _since, _type, _count and keyset paging by id, the links
// signed like any search's. Resources merely referenced from the compartment are not added.
import type { ResourceMapping } from '../../../mappings/types.js';
import { parseSearchRequest } from '../../search/parse.js';
import { canonicalQuery, searchsetBundle } from '../interactions/search-type.js';
import { FhirError } from '../outcome.js';
import type { FhirResponse, InteractionContext, Query } from '../request.js';

export const EVERYTHING_OPERATION = 'http://hl7.org/fhir/OperationDefinition/Patient-everything';

const ALLOWED = new Set(['_since', '_type', '_count', '_cursor', '_format', '_pretty', '_elements']);
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export async function patientEverything(
  ctx: InteractionContext,
  members: readonly ResourceMapping[],
  patientId?: string,
): Promise<FhirResponse> {
  const { request, repository, search } = ctx;
  const query = request.query;
  for (const name of Object.keys(query))
    if (!ALLOWED.has(name)) throw FhirError.invalid(`$everything does not support the parameter ${name}`, [name]);
  const last = (name: string) => {
    const v = query[name];
    return Array.isArray(v) ? v[v.length - 1] : v;
  };
  const since = last('_since');
  if (since !== undefined && (!INSTANT.test(since) || Number.isNaN(Date.parse(since))))
    throw FhirError.invalid(`_since must be a FHIR instant such as 2026-01-31T12:00:00Z, got "${since}"`, ['_since']);
  const named = [query._type ?? []]
    .flat()
    .flatMap((v) => v.split(','))
    .filter(Boolean);
  const compartment = members.filter((m) => m.compartment && m.interactions.includes('search-type'));
  for (const type of named)
    if (!compartment.some((m) => m.resourceType === type))
      throw FhirError.invalid(`_type: ${type} is not a resource type of the Patient compartment here`, ['_type']);
  const permitted = (m: ResourceMapping) => {
    try {
      request.access?.check(m, 'search-type');
      return true;
    } catch (error) {
      if (named.includes(m.resourceType)) throw error;
      return false;
    }
  };
  const targets = compartment.filter((m) => (named.length === 0 || named.includes(m.resourceType)) && permitted(m));

  const searchQuery: Query = {};
  if (since) searchQuery._lastUpdated = `gt${since}`;
  for (const name of ['_count', '_cursor', '_elements'])
    if (query[name] !== undefined) searchQuery[name] = query[name]!;
  const parsed = parseSearchRequest(searchQuery);
  const path = patientId ? `Patient/${patientId}/$everything` : 'Patient/$everything';
  const result = await search.searchTypes(repository.reader, targets, parsed, {
    strict: true,
    baseUrl: request.baseUrl,
    access: request.access,
    ...(patientId ? { compartment: { type: 'Patient' as const, id: patientId } } : {}),
    canonicalQuery: canonicalQuery(path, query),
  });
  const text = await searchsetBundle({
    path,
    query,
    baseUrl: request.baseUrl,
    result,
    elements: parsed.result.elements,
    mappingOf: (type) => search.mapping(type),
    materialise: (m, rows) => repository.materialiseRows(m, rows),
  });
  return { status: 200, text, audit: patientId ? { patients: [patientId] } : {} };
}
