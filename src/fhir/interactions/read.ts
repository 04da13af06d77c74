// read (http://hl7.org/fhir/R4/http.html#read): the stored rendering as it is, 410 once deleted,
// 304 for a matching If-None-Match or an unmodified If-Modified-Since.
import { FhirError } from '../outcome.js';
import { parseETag, single, versionHeaders, type FhirResponse, type InteractionContext } from '../request.js';
import { shapeForRead } from '../summary.js';

export async function read({ repository, mapping, request }: InteractionContext, id: string): Promise<FhirResponse> {
  const version = await repository.current(mapping, id);
  if (!version) throw FhirError.notFound(`${mapping.resourceType}/${id} is not known`);
  const headers = versionHeaders(version, request.baseUrl);
  if (version.deleted)
    throw new FhirError('deleted', 'FHIR-0410', `${mapping.resourceType}/${id} was deleted`, {
      headers: { ETag: headers.ETag! },
    });
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch && (ifNoneMatch.trim() === '*' || parseETag(ifNoneMatch, 'If-None-Match') === version.versionId))
    return { status: 304, headers };
  const ifModifiedSince = request.headers['if-modified-since'];
  if (ifModifiedSince) {
    const since = Date.parse(ifModifiedSince);
    if (Number.isNaN(since)) throw FhirError.invalid(`If-Modified-Since must be an HTTP date, got ${ifModifiedSince}`);
    if (Math.floor(version.lastUpdated.getTime() / 1000) <= Math.floor(since / 1000)) return { status: 304, headers };
  }
  return {
    status: 200,
    headers,
    ...shapeForRead(version.body!, mapping, single(request.query, '_summary'), single(request.query, '_elements')),
  };
}

export async function vread(
  { repository, mapping, request }: InteractionContext,
  id: string,
  vid: string,
): Promise<FhirResponse> {
  if (!/^\d+$/.test(vid)) throw FhirError.notFound(`${mapping.resourceType}/${id} has no version ${vid}`);
  const version = await repository.version(mapping, id, Number(vid));
  if (!version) throw FhirError.notFound(`${mapping.resourceType}/${id} has no version ${vid}`);
  const headers = versionHeaders(version, request.baseUrl);
  if (version.deleted)
    throw new FhirError('deleted', 'FHIR-0410', `${mapping.resourceType}/${id} version ${vid} is a deletion`, {
      headers: { ETag: headers.ETag! },
    });
  return {
    status: 200,
    headers,
    ...shapeForRead(version.body!, mapping, single(request.query, '_summary'), single(request.query, '_elements')),
  };
}
