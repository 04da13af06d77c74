// Which FHIR interaction (http://hl7.org/fhir/R4/http.html) a request is, in audit terms: the
// audit_logs action, the entity and the restful-interaction code kept in the description.
import type { AuditAction } from './audit-entry.js';

export interface AuditedInteraction {
  action: AuditAction;
  /** http://hl7.org/fhir/restful-interaction code, or the operation's name ($validate). */
  code: string;
  entityType: string;
  entityId?: string;
}

const MAX_TYPE = 100;

/** `bundleType`: the type of a Bundle POSTed to the base (batch or transaction). */
export function auditedInteraction(
  method: string,
  segments: readonly string[],
  bundleType?: unknown,
): AuditedInteraction {
  const [type, id, op, vid] = segments;
  const reading = method === 'GET' || method === 'HEAD';
  const entityType = (type ?? 'system').slice(0, MAX_TYPE);
  if (segments.some((s) => s === '$export'))
    return {
      action: 'EXPORT',
      code: '$export',
      entityType: type === '$export' ? 'system' : entityType,
      ...(op === '$export' && id ? { entityId: id } : {}),
    };
  // a bulk export file download: the type the file holds, the job's id
  if (type === '$export-file')
    return {
      action: 'EXPORT',
      code: '$export-file',
      ...(id ? { entityId: id } : {}),
      entityType: (op ?? '').replace(/\.ndjson$/, '').slice(0, MAX_TYPE),
    };
  if (!type && method === 'POST')
    return { action: 'OPERATION', code: bundleType === 'transaction' ? 'transaction' : 'batch', entityType: 'Bundle' };
  if (!type) return { action: 'SEARCH', code: 'search-system', entityType: 'system' };
  if (type === '_history') return { action: 'HISTORY', code: 'history-system', entityType: 'system' };
  if (type.startsWith('$')) return { action: 'OPERATION', code: type, entityType: 'system' };
  if (id === undefined) {
    if (reading) return { action: 'SEARCH', code: 'search-type', entityType };
    if (method === 'POST') return { action: 'CREATE', code: 'create', entityType };
    if (method === 'PUT') return { action: 'UPDATE', code: 'update', entityType };
    if (method === 'DELETE') return { action: 'DELETE', code: 'delete', entityType };
    return { action: 'OPERATION', code: method.toLowerCase(), entityType };
  }
  if (id === '_search') return { action: 'SEARCH', code: 'search-type', entityType };
  if (id === '_history') return { action: 'HISTORY', code: 'history-type', entityType };
  if (id.startsWith('$')) return { action: 'OPERATION', code: id, entityType };
  if (op === undefined) {
    if (reading) return { action: 'READ', code: 'read', entityType, entityId: id };
    if (method === 'PUT') return { action: 'UPDATE', code: 'update', entityType, entityId: id };
    if (method === 'PATCH') return { action: 'PATCH', code: 'patch', entityType, entityId: id };
    if (method === 'DELETE') return { action: 'DELETE', code: 'delete', entityType, entityId: id };
    return { action: 'OPERATION', code: method.toLowerCase(), entityType, entityId: id };
  }
  if (op === '_history')
    return vid === undefined
      ? { action: 'HISTORY', code: 'history-instance', entityType, entityId: id }
      : { action: 'VREAD', code: 'vread', entityType, entityId: id };
  return { action: 'OPERATION', code: op, entityType, entityId: id };
}
