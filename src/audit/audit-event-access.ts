// Who may read AuditEvents (D9): users with an audit reader role see every event; a patient sees
// the events about their own record (an access report); anyone else is refused. A Backend Services
// client (no user) is bounded by its scopes alone. With no principal (authorization off) the rule
// does not apply. It is enforced as part of the request's FhirAccess, so the search engine ANDs it
// into every AuditEvent query (type, system and compartment search, includes) and reads of rows
// outside it answer 404 like any other row the caller may not see.
import type { Interaction, MapContext, ResourceMapping, SqlCondition } from '../../mappings/types.js';
import type { FhirAccess } from '../fhir/access.js';
import { FhirError } from '../fhir/outcome.js';
import type { Principal } from '../fhir/request.js';

export const AUDIT_READER_ROLES: readonly string[] = ['admin', 'auditor'];

export type AuditEventAccess = { scope: 'all' } | { scope: 'patient'; patientId: string } | { scope: 'none' };

export function auditEventAccess(principal: Principal | undefined): AuditEventAccess {
  if (!principal) return { scope: 'all' };
  if (principal.roles?.some((role) => AUDIT_READER_ROLES.includes(role))) return { scope: 'all' };
  if (principal.patientId) return { scope: 'patient', patientId: principal.patientId };
  if (!principal.userId && principal.clientId) return { scope: 'all' };
  return { scope: 'none' };
}

const isAuditEvent = (mapping: ResourceMapping) => mapping.resourceType === 'AuditEvent';
const FALSE: SqlCondition = { sql: 'false', params: [] };

/** AuditEvents about the patient: the search parameter `patient` (the entity, or a patient a search returned). */
function patientCondition(mapping: ResourceMapping, patientId: string, ctx: MapContext): SqlCondition {
  return mapping.search.patient!.where({ raw: patientId, code: patientId }, ctx);
}

/** The request's access with the AuditEvent rule for this principal added to it. */
export function withAuditEventRule(
  access: FhirAccess | undefined,
  principal: Principal | undefined,
  ctx: MapContext,
): FhirAccess | undefined {
  const rule = auditEventAccess(principal);
  if (rule.scope === 'all') return access;
  return {
    check(mapping: ResourceMapping, interaction: Interaction) {
      if (isAuditEvent(mapping) && rule.scope === 'none')
        throw new FhirError(
          'forbidden',
          'FHIR-0403',
          'reading AuditEvents needs the admin or auditor role, or your own record',
        );
      access?.check(mapping, interaction);
    },
    filter(mapping: ResourceMapping, interaction?: Interaction) {
      const inner = access?.filter(mapping, interaction);
      if (!isAuditEvent(mapping)) return inner;
      const condition = rule.scope === 'patient' ? patientCondition(mapping, rule.patientId, ctx) : FALSE;
      return inner
        ? { sql: `(${inner.sql}) and (${condition.sql})`, params: [...inner.params, ...condition.params] }
        : condition;
    },
    allowsId(mapping: ResourceMapping, interaction: Interaction, id: string) {
      return isAuditEvent(mapping) ? undefined : access?.allowsId?.(mapping, interaction, id);
    },
  };
}
