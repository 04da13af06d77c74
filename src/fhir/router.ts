// The FHIR REST interactions by path and method (http://hl7.org/fhir/R4/http.html), transport-free:
// the HTTP layer hands in a FhirRequest and path segments and sends back the FhirResponse.
import { randomBytes } from 'node:crypto';
import type { MapContext, Interaction, ResourceMapping } from '../../mappings/types.js';
import { withAuditEventRule } from '../audit/audit-event-access.js';
import { assertVisible, assertWritten } from './access.js';
import { processBundle } from './interactions/bundle.js';
import { history } from './interactions/history.js';
import { read, vread } from './interactions/read.js';
import { searchSystem } from './interactions/search-system.js';
import { patientEverything } from './operations/patient-everything.js';
import { patientMatch } from './operations/patient-match.js';
import { matchingIds, searchType } from './interactions/search-type.js';
import { validateOperation } from './interactions/validate-operation.js';
import { conditionalDelete, conditionalUpdate, create, patch, remove, update } from './interactions/write.js';
import { FhirError } from './outcome.js';
import type { Repository } from './repository.js';
import type { FhirRequest, FhirResponse, InteractionContext } from './request.js';
import { SearchEngine, type SearchSettings } from '../search/engine.js';

export interface RoutedRequest extends FhirRequest {
  segments: string[];
}

/** Bulk Data export and Groups (src/bulk), given by the server when it runs the export worker. */
export interface BulkRoutes {
  /** Handles the request when it is a bulk route ($export, its status and files, Group); undefined otherwise. */
  route(request: RoutedRequest, repository: Repository): Promise<FhirResponse> | undefined;
  /** The search engine its kick-off checks _typeFilter with. */
  attach(search: SearchEngine): void;
}

export interface FhirRouter {
  handle(request: RoutedRequest): Promise<FhirResponse>;
  /** A low-cardinality label of the route a request takes, for metrics. */
  label(segments: string[]): string;
  /** A request refused before it reached handle (authentication): the audit trail records it. */
  refused?(request: RoutedRequest, error: unknown): void;
}

export function createFhirRouter(
  mappings: readonly ResourceMapping[],
  newRepository: () => Repository,
  ctx: MapContext,
  /** Page sizes and the cursor secret; without them, defaults and a secret of this process only. */
  searchSettings: SearchSettings = { defaultCount: 20, maxCount: 1000, cursorSecret: randomBytes(32).toString('hex') },
  options: { maxBundleEntries: number; bulk?: BulkRoutes } = { maxBundleEntries: 1000 },
): FhirRouter {
  const byType = new Map(mappings.map((m) => [m.resourceType as string, m]));
  const search = new SearchEngine(byType, ctx, searchSettings);
  const searchable = mappings.filter((m) => m.interactions.includes('search-type'));
  options.bulk?.attach(search);
  const ALLOWED: Record<string, readonly string[]> = {};

  function requireInteraction(
    mapping: ResourceMapping,
    interaction: Interaction,
    method: string,
    request: RoutedRequest,
  ) {
    if (!mapping.interactions.includes(interaction))
      throw FhirError.methodNotAllowed(
        `${mapping.resourceType} does not support ${interaction} (${method})`,
        ALLOWED[mapping.resourceType] ?? ['GET'],
      );
    request.access?.check(mapping, interaction);
  }

  /** Type and system history read fhir_resource_versions only, so they serve only tokens that see every row. */
  function unfilteredHistory(mapping: ResourceMapping, request: RoutedRequest) {
    request.access?.check(mapping, 'history-type');
    if (request.access?.filter(mapping, 'history-type'))
      throw new FhirError(
        'forbidden',
        'FHIR-0403',
        `history of all ${mapping.resourceType} resources is not available to a token limited to a patient compartment or by scope restrictions`,
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

    handle(incoming) {
      // D9: the AuditEvent rule of the principal joins the token's access
      const access = incoming.principal
        ? withAuditEventRule(incoming.access, incoming.principal, ctx)
        : incoming.access;
      const request: RoutedRequest =
        access === incoming.access ? incoming : { ...incoming, ...(access ? { access } : {}) };
      return route(request, newRepository());
    },
  };

  async function route(request: RoutedRequest, repository: Repository): Promise<FhirResponse> {
    {
      const { segments, method } = request;
      const [type, id, op, vid] = segments;
      const path = `/${segments.join('/')}`;
      if (type === undefined && method === 'POST')
        return processBundle(request, {
          route,
          newRepository,
          maxEntries: options.maxBundleEntries,
          matching(name, query, scoped, outer) {
            const mapping = byType.get(name);
            if (!mapping) throw FhirError.invalid(`${name} is not a resource type this server serves`);
            requireInteraction(mapping, 'search-type', 'GET', { ...outer, segments: [name] });
            return matchingIds({ repository: scoped, mapping, request: outer, search }, ctx, query);
          },
        });
      const bulk = options.bulk?.route(request, repository);
      if (bulk) return bulk;
      if (type === '_history' && segments.length === 1) {
        if (method !== 'GET') throw notAllowed(method, path, ['GET']);
        for (const m of mappings) unfilteredHistory(m, request);
        return history(repository, byType, request, {});
      }
      if (type === undefined || (type === '_search' && segments.length === 1)) {
        const allowed = type === undefined ? ['GET', 'HEAD'] : ['POST'];
        if (!allowed.includes(method)) throw notAllowed(method, path, allowed);
        return searchSystem(repository, search, searchable, request);
      }
      const mapping = byType.get(type);
      if (!mapping)
        throw FhirError.notFound(
          `no FHIR route for ${method} ${path}: ${type ?? ''} is not a resource type this server serves`,
        );
      const context: InteractionContext = { repository, mapping, request, search };
      const { access } = request;
      if (access)
        repository.afterWrite = (em, written, writtenId, created) =>
          assertWritten(em, written, writtenId, access, created ? 'create' : 'update');
      const visible = async (interaction: Interaction) => {
        await assertVisible(() => repository.reader, mapping, id!, access, interaction);
      };
      if (segments.length > 4) throw FhirError.notFound(`no FHIR route for ${method} ${path}`);

      if (id === undefined) {
        switch (method) {
          case 'GET':
          case 'HEAD':
            requireInteraction(mapping, 'search-type', method, request);
            return searchType(context, ctx);
          case 'POST':
            requireInteraction(mapping, 'create', method, request);
            return create(context, ctx);
          case 'PUT':
            requireInteraction(mapping, 'update', method, request);
            return conditionalUpdate(context, ctx);
          case 'DELETE':
            requireInteraction(mapping, 'delete', method, request);
            return conditionalDelete(context, ctx);
          default:
            throw notAllowed(method, path, ['GET', 'POST', 'PUT', 'DELETE']);
        }
      }
      if (id === '_search' && segments.length === 2) {
        if (method !== 'POST') throw notAllowed(method, path, ['POST']);
        requireInteraction(mapping, 'search-type', method, request);
        return searchType(context, ctx);
      }
      if (id === '_history' && segments.length === 2) {
        if (method !== 'GET') throw notAllowed(method, path, ['GET']);
        requireInteraction(mapping, 'history-type', method, request);
        unfilteredHistory(mapping, request);
        return history(repository, byType, request, { type: mapping.resourceType });
      }
      if (id === '$match' && segments.length === 2 && mapping.resourceType === 'Patient') {
        if (method !== 'POST') throw notAllowed(method, path, ['POST']);
        requireInteraction(mapping, 'search-type', method, request);
        return patientMatch(context);
      }
      if (id === '$everything' && segments.length === 2 && mapping.resourceType === 'Patient') {
        if (method !== 'GET' && method !== 'HEAD') throw notAllowed(method, path, ['GET']);
        requireInteraction(mapping, 'search-type', method, request);
        return patientEverything(context, mappings);
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
            requireInteraction(mapping, 'read', method, request);
            await visible('read');
            return read(context, id);
          case 'PUT':
            requireInteraction(mapping, 'update', method, request);
            await visible('update');
            return update(context, id);
          case 'PATCH':
            requireInteraction(mapping, 'patch', method, request);
            await visible('patch');
            return patch(context, id);
          case 'DELETE':
            requireInteraction(mapping, 'delete', method, request);
            await visible('delete');
            return remove(context, id);
          default:
            throw notAllowed(method, path, ALLOWED[mapping.resourceType] as string[]);
        }
      }
      if (type === 'Patient' && op === '$everything' && vid === undefined) {
        if (method !== 'GET' && method !== 'HEAD') throw notAllowed(method, path, ['GET']);
        requireInteraction(mapping, 'read', method, request);
        await visible('read');
        const current = await repository.current(mapping, id);
        if (!current || current.deleted) throw FhirError.notFound(`Patient/${id} is not known`);
        return patientEverything(context, mappings, id);
      }
      if (type === 'Patient' && op !== undefined && vid === undefined && byType.has(op)) {
        // compartment search (http://hl7.org/fhir/R4/http.html#vsearch)
        if (method !== 'GET' && method !== 'HEAD') throw notAllowed(method, path, ['GET']);
        const member = byType.get(op)!;
        requireInteraction(member, 'search-type', method, request);
        return searchType({ ...context, mapping: member }, ctx, { type: 'Patient', id });
      }
      if (op === '$validate' && vid === undefined) {
        if (method !== 'POST' && method !== 'GET') throw notAllowed(method, path, ['GET', 'POST']);
        return validateOperation(context, id);
      }
      if (op === '_history') {
        if (method !== 'GET' && method !== 'HEAD') throw notAllowed(method, path, ['GET']);
        if (vid === undefined) {
          requireInteraction(mapping, 'history-instance', method, request);
          await visible('history-instance');
          const current = await repository.current(mapping, id);
          if (!current) throw FhirError.notFound(`${mapping.resourceType}/${id} is not known`);
          return history(repository, byType, request, { type: mapping.resourceType, id });
        }
        requireInteraction(mapping, 'vread', method, request);
        await visible('vread');
        return vread(context, id, vid);
      }
      throw FhirError.notFound(`no FHIR route for ${method} ${path}`);
    }
  }
}
