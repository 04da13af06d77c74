// The routes of Bulk Data export (https://hl7.org/fhir/uv/bulkdata/STU2/export.html) and of the
// read-only Groups, handed to the FHIR router: [base]/$export, Patient/$export,
// Group/[id]/$export, $export-status/[job], $export-file/[job]/[file], Group and Group/[id].
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ResourceMapping } from '../../mappings/types.js';
import { FhirError } from '../fhir/outcome.js';
import type { Repository } from '../fhir/repository.js';
import type { FhirRequest, FhirResponse } from '../fhir/request.js';
import type { BulkRoutes, RoutedRequest } from '../fhir/router.js';
import type { SearchEngine } from '../search/engine.js';
import { BulkExport, EXPORT_FILE, EXPORT_STATUS, type BulkExportDeps } from './export-operation.js';
import { readGroup, searchGroups } from './groups.js';

const notAllowed = (method: string, path: string, allow: string[]) =>
  FhirError.methodNotAllowed(`${method} is not allowed on ${path}`, allow);

/** Groups list patients: only a token that may read every Patient sees them. */
function checkGroupAccess(request: FhirRequest, patient: ResourceMapping | undefined) {
  if (!request.access || !patient) return;
  request.access.check(patient, 'search-type');
  if (request.access.filter(patient, 'search-type'))
    throw new FhirError('forbidden', 'FHIR-0403', 'Groups are served only to tokens that may read every Patient');
}

export function bulkRoutes(deps: Omit<BulkExportDeps, 'search'> & { em: EntityManager }): BulkRoutes {
  let exporter: BulkExport | undefined;
  const patient = deps.mappings.find((m) => m.resourceType === 'Patient');
  const kickOffMethods = ['GET', 'POST'];
  return {
    attach(search: SearchEngine) {
      exporter = new BulkExport({ ...deps, search });
    },
    route(request: RoutedRequest, _repository: Repository): Promise<FhirResponse> | undefined {
      const bulk = exporter;
      if (!bulk) return undefined;
      const { method, segments } = request;
      const [type, id, op] = segments;
      const path = `/${segments.join('/')}`;
      const kickOff = (level: 'system' | 'patient' | 'group', groupId?: string) => {
        if (!kickOffMethods.includes(method)) throw notAllowed(method, path, kickOffMethods);
        return bulk.kickOff(request, level, groupId);
      };
      if (type === '$export' && segments.length === 1) return kickOff('system');
      if (type === 'Patient' && id === '$export' && segments.length === 2) return kickOff('patient');
      if (type === EXPORT_STATUS && segments.length === 2) {
        if (method === 'GET') return bulk.status(request, id!);
        if (method === 'DELETE') return bulk.cancel(request, id!);
        throw notAllowed(method, path, ['GET', 'DELETE']);
      }
      if (type === EXPORT_FILE && segments.length === 3) {
        if (method !== 'GET' && method !== 'HEAD') throw notAllowed(method, path, ['GET']);
        return bulk.file(request, id!, op!);
      }
      if (type !== 'Group') return undefined;
      if (segments.length === 3 && op === '$export') return kickOff('group', id);
      if (segments.length > 2) throw FhirError.notFound(`no FHIR route for ${method} ${path}`);
      if (method !== 'GET' && method !== 'HEAD') throw notAllowed(method, path, ['GET']);
      return (async () => {
        checkGroupAccess(request, patient);
        if (id !== undefined) return { status: 200, json: await readGroup(deps.em, id, request.baseUrl) };
        for (const name of Object.keys(request.query))
          if (!['_id', '_format', '_pretty'].includes(name))
            throw FhirError.invalid(`Group search supports _id only, not ${name}`, [name]);
        const ids = request.query._id;
        const list = ids === undefined ? undefined : [ids].flat().flatMap((v) => v.split(','));
        return { status: 200, json: await searchGroups(deps.em, request.baseUrl, list) };
      })();
    },
  };
}
