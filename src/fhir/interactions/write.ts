// create, update, patch and delete (http://hl7.org/fhir/R4/http.html#create ... #delete), with their
// conditional forms (If-None-Exist, update and delete by search) and If-Match (412).
import type { FhirResource } from 'fhir/r4.js';
import type { MapContext } from '../../../mappings/types.js';
import { changedElements } from '../changed-elements.js';
import { FhirError } from '../outcome.js';
import { applyJsonPatch } from '../json-patch.js';
import { isUuid, type StoredVersion } from '../repository.js';
import { parseETag, parseQuery, writeResponse, type FhirResponse, type InteractionContext } from '../request.js';
import { matchingIds } from './search-type.js';
import { assertValid, resourceBody } from './validate-resource.js';

function checkIfMatch(ctx: InteractionContext, current: StoredVersion | undefined) {
  const header = ctx.request.headers['if-match'];
  if (header === undefined) return;
  const wanted = parseETag(header, 'If-Match');
  if (!current) throw FhirError.preconditionFailed(`If-Match ${header}: the resource does not exist`);
  if (current.versionId !== wanted)
    throw FhirError.preconditionFailed(
      `If-Match ${header} does not match the current version W/"${current.versionId}"`,
    );
}

export async function create(ctx: InteractionContext, mapContext: MapContext): Promise<FhirResponse> {
  const { mapping, request, repository } = ctx;
  const resource = resourceBody(request.body, mapping);
  const { id: _ignored, ...body } = resource as FhirResource & { id?: string };
  assertValid(body, mapping);
  const ifNoneExist = request.headers['if-none-exist'];
  if (!ifNoneExist) {
    const version = await repository.create(mapping, body as FhirResource);
    return { ...writeResponse(201, version, request), audit: { entityId: version.id } };
  }
  return repository.conditionalCreate(mapping, async (tx) => {
    const ids = await matchingIds({ ...ctx, repository: tx }, mapContext, parseQuery(ifNoneExist));
    if (ids.length > 1)
      throw FhirError.preconditionFailed(`If-None-Exist ${ifNoneExist} matches more than one ${mapping.resourceType}`);
    if (ids.length === 1) {
      const existing = await tx.current(mapping, ids[0]!);
      return { ...writeResponse(200, existing!, request), audit: { entityId: ids[0] } };
    }
    const version = await tx.create(mapping, body as FhirResource);
    return { ...writeResponse(201, version, request), audit: { entityId: version.id } };
  });
}

export async function update(ctx: InteractionContext, id: string): Promise<FhirResponse> {
  const { mapping, request, repository } = ctx;
  const resource = resourceBody(request.body, mapping);
  if (resource.id === undefined) throw FhirError.invalid('an update must carry the resource id in the body', ['id']);
  if (resource.id !== id)
    throw FhirError.invalid(`the body's id ${resource.id} is not the id ${id} of the URL`, ['id']);
  if (!isUuid(id)) throw FhirError.invalid(`ids on this server are UUIDs; ${id} is not one`, ['id']);
  assertValid(resource, mapping);
  let before: string | undefined;
  const { version, created } = await repository.update(mapping, id, (current) => {
    checkIfMatch(ctx, current);
    before = current?.body;
    return resource;
  });
  return {
    ...writeResponse(created ? 201 : 200, version, request),
    audit: { entityId: id, changes: changedElements(before, version.body) },
  };
}

export async function conditionalUpdate(ctx: InteractionContext, mapContext: MapContext): Promise<FhirResponse> {
  const ids = await matchingIds(ctx, mapContext, ctx.request.query);
  if (ids.length > 1)
    throw FhirError.preconditionFailed(`the search matches more than one ${ctx.mapping.resourceType}`);
  const resource = resourceBody(ctx.request.body, ctx.mapping);
  if (ids.length === 0) {
    if (resource.id !== undefined && isUuid(resource.id)) return update(ctx, resource.id);
    const { id: _none, ...body } = resource;
    assertValid(body, ctx.mapping);
    const version = await ctx.repository.create(ctx.mapping, body as FhirResource);
    return { ...writeResponse(201, version, ctx.request), audit: { entityId: version.id } };
  }
  if (resource.id !== undefined && resource.id !== ids[0])
    throw FhirError.invalid(`the body's id ${resource.id} is not the id ${ids[0]} the search found`, ['id']);
  return update({ ...ctx, request: { ...ctx.request, body: { ...resource, id: ids[0] } } }, ids[0]!);
}

export async function patch(ctx: InteractionContext, id: string): Promise<FhirResponse> {
  const { mapping, request, repository } = ctx;
  const contentType = request.headers['content-type'] ?? '';
  if (!/application\/json-patch\+json/.test(contentType))
    throw FhirError.unsupportedMediaType('PATCH takes a JSON Patch document (application/json-patch+json)');
  if (!Array.isArray(request.body)) throw FhirError.invalid('a JSON Patch document is an array of operations');
  const operations = request.body as unknown[];
  let before: string | undefined;
  const { version } = await repository.update(mapping, id, (current) => {
    if (!current) throw FhirError.notFound(`${mapping.resourceType}/${id} is not known`);
    if (current.deleted) throw FhirError.gone(`${mapping.resourceType}/${id} was deleted`);
    checkIfMatch(ctx, current);
    before = current.body;
    const patched = applyJsonPatch(JSON.parse(current.body!), operations) as FhirResource;
    if (patched.resourceType !== mapping.resourceType || patched.id !== id)
      throw FhirError.invalid('a patch may change neither resourceType nor id');
    assertValid(patched, mapping);
    return patched;
  });
  return {
    ...writeResponse(200, version, request),
    audit: { entityId: id, changes: changedElements(before, version.body) },
  };
}

export async function remove(ctx: InteractionContext, id: string): Promise<FhirResponse> {
  const { mapping, repository } = ctx;
  const version = await repository.delete(mapping, id, (current) => checkIfMatch(ctx, current));
  if (!version) throw FhirError.notFound(`${mapping.resourceType}/${id} is not known`);
  return { status: 204, headers: { ETag: `W/"${version.versionId}"` }, audit: { entityId: id } };
}

export async function conditionalDelete(ctx: InteractionContext, mapContext: MapContext): Promise<FhirResponse> {
  if (Object.keys(ctx.request.query).length === 0)
    throw FhirError.invalid('a conditional delete needs search parameters');
  const ids = await matchingIds(ctx, mapContext, ctx.request.query);
  if (ids.length > 1)
    throw FhirError.preconditionFailed(`the search matches more than one ${ctx.mapping.resourceType}`);
  if (ids.length === 0) return { status: 204 };
  return remove(ctx, ids[0]!);
}
