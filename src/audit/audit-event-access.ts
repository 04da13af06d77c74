// Who may read AuditEvents (D9): users with an audit reader role see every event; a patient sees
// the events about their own record (an access report); anyone else is refused. With no principal
// (authorization off) the rule does not apply. The FHIR router enforces it; the SMART layer may
// call auditEventAccess() wherever it needs the same answer.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ResourceMapping } from '../../mappings/types.js';
import { FhirError } from '../fhir/outcome.js';
import type { Principal, Query } from '../fhir/request.js';

export const AUDIT_READER_ROLES: readonly string[] = ['admin', 'auditor'];

export type AuditEventAccess = { scope: 'all' } | { scope: 'patient'; patientId: string } | { scope: 'none' };

export function auditEventAccess(principal: Principal | undefined): AuditEventAccess {
  if (!principal) return { scope: 'all' };
  if (principal.roles?.some((role) => AUDIT_READER_ROLES.includes(role))) return { scope: 'all' };
  if (principal.patientId) return { scope: 'patient', patientId: principal.patientId };
  return { scope: 'none' };
}

const refused = () =>
  new FhirError('forbidden', 'FHIR-0403', 'reading AuditEvents needs the admin or auditor role, or your own record');

/** The search a principal may run: a patient's gets `patient=Patient/<own id>` AND-ed to it. */
export function auditEventQuery(principal: Principal | undefined, query: Query): Query {
  const access = auditEventAccess(principal);
  if (access.scope === 'none') throw refused();
  if (access.scope === 'all') return query;
  const own = `Patient/${access.patientId}`;
  const existing = query.patient;
  const patient = existing === undefined ? own : [...(Array.isArray(existing) ? existing : [existing]), own];
  return { ...query, patient };
}

/** Refuses a read of an AuditEvent the principal may not see (after it was found). */
export async function checkAuditEventRead(
  principal: Principal | undefined,
  em: EntityManager,
  mapping: ResourceMapping,
  id: string,
): Promise<void> {
  const access = auditEventAccess(principal);
  if (access.scope === 'all') return;
  if (access.scope === 'none') throw refused();
  const patient = mapping.search.patient!.where({ raw: access.patientId, code: access.patientId }, undefined as never);
  const rows = await em.execute(
    `select 1 from ${mapping.source.from} where ${mapping.source.id} = ? and ${patient.sql}`,
    [id, ...patient.params],
  );
  if (rows.length === 0) throw refused();
}
