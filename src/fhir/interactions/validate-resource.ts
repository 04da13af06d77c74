// The checks every write makes before touching the database: the resource type of the endpoint,
// then the R4 base rules and the mapping's profile, all problems at once (422).
import type { FhirResource, OperationOutcomeIssue } from 'fhir/r4.js';
import { sourceFor, type ResourceMapping } from '../../../mappings/types.js';
import { FhirError } from '../outcome.js';
import { validateResource } from '../validation/index.js';

/** The profile a resource is validated against: its source's (a vital sign's, a lab result's). */
export const profileOf = (resource: unknown, mapping: ResourceMapping): string =>
  sourceFor(mapping, undefined, resource as never).profile;

export function issuesOf(resource: unknown, mapping: ResourceMapping): OperationOutcomeIssue[] {
  return validateResource(resource, { profile: profileOf(resource, mapping) }).map((issue) => ({
    severity: issue.severity,
    code: issue.code,
    diagnostics: issue.diagnostics,
    ...(issue.expression.length ? { expression: issue.expression } : {}),
  }));
}

/** The body as a resource of the endpoint's type, or a 400 that says what is wrong. */
export function resourceBody(body: unknown, mapping: ResourceMapping): FhirResource {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body))
    throw FhirError.invalid(`the request body must be a ${mapping.resourceType} resource as JSON`);
  const type = (body as { resourceType?: unknown }).resourceType;
  if (type !== mapping.resourceType)
    throw FhirError.invalid(
      `this endpoint takes ${mapping.resourceType}, the body is ${typeof type === 'string' ? type : 'not a resource'}`,
      ['resourceType'],
    );
  return body as FhirResource;
}

export function assertValid(resource: unknown, mapping: ResourceMapping): void {
  const issues = issuesOf(resource, mapping).filter((i) => i.severity === 'error' || i.severity === 'fatal');
  if (issues.length > 0) throw FhirError.invalidResource(issues);
}
