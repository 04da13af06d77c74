// search-system (http://hl7.org/fhir/R4/http.html#search): GET [base]?_type=A,B&... over the
// listed types (every searchable type without _type), paged by id across them.
import type { ResourceMapping } from '../../../mappings/types.js';
import type { SearchEngine } from '../../search/engine.js';
import { parseSearchRequest } from '../../search/parse.js';
import { FhirError } from '../outcome.js';
import type { Repository } from '../repository.js';
import type { FhirRequest, FhirResponse } from '../request.js';
import { canonicalQuery, searchsetBundle, strictHandling } from './search-type.js';

export async function searchSystem(
  repository: Repository,
  search: SearchEngine,
  searchable: readonly ResourceMapping[],
  request: FhirRequest,
): Promise<FhirResponse> {
  const parsed = parseSearchRequest(request.query);
  const targets = parsed.result.types
    ? parsed.result.types.map((type) => {
        const mapping = searchable.find((m) => m.resourceType === type);
        if (!mapping) throw FhirError.invalid(`_type: ${type} is not a resource type this server searches`);
        return mapping;
      })
    : searchable;
  const result = await search.searchTypes(repository.reader, targets, parsed, {
    strict: strictHandling(request.headers.prefer),
    baseUrl: request.baseUrl,
    access: request.access,
    canonicalQuery: canonicalQuery('', request.query),
  });
  const text = await searchsetBundle({
    path: '',
    query: request.query,
    baseUrl: request.baseUrl,
    result,
    summary: parsed.result.summary,
    elements: parsed.result.elements,
    mappingOf: (type) => search.mapping(type),
    materialise: (m, rows) => repository.materialiseRows(m, rows),
  });
  return { status: 200, text };
}
