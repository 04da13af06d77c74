// The FHIR REST interactions by path and method (http://hl7.org/fhir/R4/http.html), transport-free:
// the HTTP layer hands in a FhirRequest and path segments and sends back the FhirResponse.
import type { MapContext, Interaction, ResourceMapping } from '../../mappings/types.js';
import { auditEventQuery, checkAuditEventRead } from '../audit/audit-event-access.js';
import { history } from './interactions/history.js';
import { read, vread } from './interactions/read.js';
import { searchType } from './interactions/search-type.js';
import { validateOperation } from './interactions/validate-operation.js';
import { conditionalDelete, conditionalUpdate, create, patch, remove, update } from './interactions/write.js';
import { FhirError } from './outcome.js';
import type { Repository } from './repository.js';
import type { FhirRequest, FhirResponse, InteractionContext } from './request.js';

export interface RoutedRequest extends FhirRequest {
  segments: string[];
}

export interface FhirRouter {
  handle(request: RoutedRequest): Promise<FhirResponse>;
  /** A low-cardinality label of the route a request takes, for metrics. */
  label(segments: string[]): string;
}

export function createFhirRouter(
  mappings: readonly ResourceMapping[],
  newRepository: () => Repository,
  ctx: MapContext,
): FhirRouter {
  const byType = new Map(mappings.map((m) => [m.resourceType as string, m]));
  const ALLOWED: Record<string, readonly string[]> = {};

  function requireInteraction(mapping: ResourceMapping, interaction: Interaction, method: string) {
    if (!mapping.interactions.includes(interaction))
      throw FhirError.methodNotAllowed(
        `${mapping.resourceType} does not support ${interaction} (${method})`,
        ALLOWED[mapping.resourceType] ?? ['GET'],
      );
  }

  for (const m of mappings) {
    const methods = new Set<string>(['GET']);
    if (m.interactions.includes('create')) methods.add('POST');
    if (m.interactions.includes('update')) methods.add('PUT');
    if (m.interactions.includes('patch')) methods.add('PATCH');
    if (m.interactions.includes('delete')) methods.add('DELETE');
    ALLOWED[m.resourceType] = [...methods];
  }

  const notAllowed = (method: string, path: string, allow: string[]) =>
    FhirError.methodNotAllowed(`${method} is not allowed on ${path}`, allow);

  return {
    label(segments) {
      const [type, id, op, vid] = segments;
      if (!type) return '/';
      if (type === '_history') return '/_history';
      const t = byType.has(type) ? type : ':type';
      if (id === undefined) return `/${t}`;
      if (id === '_search' || id === '_history' || id.startsWith('$')) return `/${t}/${id}`;
      if (op === undefined) return `/${t}/:id`;
      return vid === undefined ? `/${t}/:id/${op}` : `/${t}/:id/${op}/:vid`;
    },

    async handle(request) {
      const repository = newRepository();
      const { segments, method } = request;
      const [type, id, op, vid] = segments;
      const path = `/${segments.join('/')}`;
      if (type === '_history' && segments.length === 1) {
        if (method !== 'GET') throw notAllowed(method, path, ['GET']);
        return history(repository, byType, request, {});
      }
      const mapping = type ? byType.get(type) : undefined;
      if (!mapping)
        throw FhirError.notFound(
          `no FHIR route for ${method} ${path}: ${type ?? ''} is not a resource type this server serves`,
        );
      // D9: AuditEvents are for auditors, and for a patient about their own record (writes are 405 anyway)
      const reading = method === 'GET' || method === 'HEAD' || id === '_search';
      const auditEvents = mapping.resourceType === 'AuditEvent' && request.principal !== undefined && reading;
      const context: InteractionContext = {
        repository,
        mapping,
        request: auditEvents ? { ...request, query: auditEventQuery(request.principal, request.query) } : request,
      };
      if (segments.length > 4) throw FhirError.notFound(`no FHIR route for ${method} ${path}`);

      if (id === undefined) {
        switch (method) {
          case 'GET':
          case 'HEAD':
            requireInteraction(mapping, 'search-type', method);
            return searchType(context, ctx);
          case 'POST':
            requireInteraction(mapping, 'create', method);
            return create(context, ctx);
          case 'PUT':
            requireInteraction(mapping, 'update', method);
            return conditionalUpdate(context, ctx);
          case 'DELETE':
            requireInteraction(mapping, 'delete', method);
            return conditionalDelete(context, ctx);
          default:
            throw notAllowed(method, path, ['GET', 'POST', 'PUT', 'DELETE']);
        }
      }
      if (id === '_search' && segments.length === 2) {
        if (method !== 'POST') throw notAllowed(method, path, ['POST']);
        requireInteraction(mapping, 'search-type', method);
        return searchType(context, ctx);
      }
      if (id === '_history' && segments.length === 2) {
        if (method !== 'GET') throw notAllowed(method, path, ['GET']);
        requireInteraction(mapping, 'history-type', method);
        return history(repository, byType, request, { type: mapping.resourceType });
      }
      if (id === '$validate' && segments.length === 2) {
        if (method !== 'POST') throw notAllowed(method, path, ['POST']);
        return validateOperation(context);
      }
      if (id.startsWith('$') || id.startsWith('_')) throw FhirError.notFound(`no FHIR route for ${method} ${path}`);

      if (op === undefined) {
        switch (method) {
          case 'GET':
          case 'HEAD':
            requireInteraction(mapping, 'read', method);
            if (auditEvents) {
              const response = await read(context, id);
              await checkAuditEventRead(request.principal, repository.entityManager, mapping, id);
              return response;
            }
            return read(context, id);
          case 'PUT':
            requireInteraction(mapping, 'update', method);
            return update(context, id);
          case 'PATCH':
            requireInteraction(mapping, 'patch', method);
            return patch(context, id);
          case 'DELETE':
            requireInteraction(mapping, 'delete', method);
            return remove(context, id);
          default:
            throw notAllowed(method, path, ALLOWED[mapping.resourceType] as string[]);
        }
      }
      if (op === '$validate' && vid === undefined) {
        if (method !== 'POST' && method !== 'GET') throw notAllowed(method, path, ['GET', 'POST']);
        return validateOperation(context, id);
      }
      if (op === '_history') {
        if (method !== 'GET' && method !== 'HEAD') throw notAllowed(method, path, ['GET']);
        if (vid === undefined) {
          requireInteraction(mapping, 'history-instance', method);
          const current = await repository.current(mapping, id);
          if (!current) throw FhirError.notFound(`${mapping.resourceType}/${id} is not known`);
          return history(repository, byType, request, { type: mapping.resourceType, id });
        }
        requireInteraction(mapping, 'vread', method);
        return vread(context, id, vid);
      }
      throw FhirError.notFound(`no FHIR route for ${method} ${path}`);
    },
  };
}
