// Audit as one wrapper around the FHIR router (STYLE habit 8, D9): every interaction, answered or
// refused, leaves exactly one audit_logs row, recorded after the answer is known and written in
// the background by the audit trail.
import type { FhirRouter, RoutedRequest } from '../fhir/router.js';
import { FhirError } from '../fhir/outcome.js';
import type { FhirResponse, Query } from '../fhir/request.js';
import type { AuditEntry } from './audit-entry.js';
import type { AuditTrail } from './audit-trail.js';
import { auditedInteraction } from './fhir-interaction.js';

function queryText(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  return params.toString();
}

/** "404 FHIR-0404: Patient/x is not known"; unexpected errors say no more than their status. */
function errorMessage(error: unknown): string {
  if (error instanceof FhirError) return `${error.status} ${error.messageCode}: ${error.message}`;
  return '500: internal error';
}

export function auditEntry(request: RoutedRequest, response?: FhirResponse, error?: unknown): AuditEntry {
  const bundleType = (request.body as { type?: unknown } | undefined)?.type;
  const interaction = auditedInteraction(request.method, request.segments, bundleType);
  const facts = response?.audit;
  const searching = interaction.action === 'SEARCH' || interaction.action === 'EXPORT';
  const principal = request.principal;
  const failed = error !== undefined || (response !== undefined && response.status >= 400);
  const changes = facts?.changes
    ? { ...facts.changes }
    : searching
      ? { query: queryText(request.query), ...(facts?.patients ? { patients: facts.patients } : {}) }
      : null;
  return {
    action: interaction.action,
    entityType: interaction.entityType,
    entityId: facts?.entityId ?? interaction.entityId ?? null,
    actor: principal ? { userId: principal.userId, email: principal.email, clientId: principal.clientId } : undefined,
    changes,
    ipAddress: request.clientAddress,
    userAgent: request.headers['user-agent'],
    description: `FHIR ${interaction.code} ${request.method} /${request.segments.join('/')}`,
    success: !failed,
    errorMessage: error !== undefined ? errorMessage(error) : failed ? `${response!.status}` : undefined,
  };
}

export function auditedRouter(router: FhirRouter, trail: AuditTrail): FhirRouter {
  if (!trail.enabled) return router;
  return {
    label: (segments) => router.label(segments),
    refused: (request, error) => trail.record(auditEntry(request, undefined, error)),
    async handle(request) {
      let response: FhirResponse;
      try {
        response = await router.handle(request);
      } catch (error) {
        trail.record(auditEntry(request, undefined, error));
        throw error;
      }
      // a Bundle's entries each leave their own row, then the Bundle its own
      for (const entry of response.audit?.entries ?? [])
        trail.record(auditEntry({ ...request, ...entry.request }, entry.response, entry.error));
      trail.record(auditEntry(request, response));
      return response;
    },
  };
}
