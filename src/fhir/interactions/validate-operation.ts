// $validate (http://hl7.org/fhir/R4/resource-operation-validate.html) at type and instance level:
// the resource in the body (or a Parameters with a `resource` part), or the stored one.
import type { OperationOutcome, Parameters } from 'fhir/r4.js';
import { FhirError } from '../outcome.js';
import type { FhirResponse, InteractionContext } from '../request.js';
import { issuesOf, profileOf } from './validate-resource.js';

export async function validateOperation(ctx: InteractionContext, id?: string): Promise<FhirResponse> {
  const { mapping, request, repository } = ctx;
  let resource: unknown = request.body;
  if (resource && typeof resource === 'object' && (resource as Parameters).resourceType === 'Parameters')
    resource = (resource as Parameters).parameter?.find((p) => p.name === 'resource')?.resource;
  if (
    resource === undefined ||
    (typeof resource === 'object' && resource !== null && Object.keys(resource).length === 0)
  ) {
    if (!id) throw FhirError.invalid('$validate needs a resource in the body');
    const stored = await repository.current(mapping, id);
    if (!stored || stored.deleted) throw FhirError.notFound(`${mapping.resourceType}/${id} is not known`);
    resource = JSON.parse(stored.body!);
  }
  const issues = issuesOf(resource, mapping);
  const outcome: OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: issues.length
      ? issues
      : [
          {
            severity: 'information',
            code: 'informational',
            diagnostics: `valid against ${profileOf(resource, mapping)}`,
          },
        ],
  };
  return { status: 200, json: outcome };
}
