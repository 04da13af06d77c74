// ajv's errors over the R4 JSON schema turned into issues a client can act on: FHIRPath locations,
// the unknown element named, one issue per wrong value (http://hl7.org/fhir/R4/json.html).
import type { ErrorObject } from 'ajv';
import { pointerToExpression, valueAtPointer } from './element-path.js';
import { isObject, type ValidationIssue } from './issue.js';

export interface SchemaNames {
  /** Schema definition objects → their names (HumanName, Patient_Contact). */
  definitions: WeakMap<object, string>;
  /** Primitive patterns → the primitive type (date, id, code...). */
  patterns: Map<string, string>;
}

/** What each primitive's pattern expects (http://hl7.org/fhir/R4/datatypes.html#primitive). */
const FORMATS: Record<string, string> = {
  date: 'a date: YYYY, YYYY-MM or YYYY-MM-DD',
  dateTime: 'a dateTime: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone (Z or +hh:mm)',
  instant: 'an instant: YYYY-MM-DDThh:mm:ss(.sss) with a time zone (Z or +hh:mm)',
  time: 'a time: hh:mm:ss',
  id: 'an id: 1 to 64 letters, digits, "-" and "."',
  code: 'a code: no leading, trailing or repeated whitespace',
  canonical: 'a URI without whitespace',
  oid: 'an OID: urn:oid:1.2.3',
  uuid: 'a UUID: urn:uuid: and lowercase hex digits',
  string: 'a non-empty string (leave the element out instead of sending "")',
  markdown: 'a non-empty string',
};

const LISTED_CODES = 12;

/** One issue per problem, in ajv's order, without the repeats the schema's layering produces. */
export function schemaIssues(errors: readonly ErrorObject[], resource: unknown, names: SchemaNames): ValidationIssue[] {
  const unknownType = errors.some((e) => e.instancePath === '' && e.keyword === 'discriminator');
  const root =
    !unknownType && isObject(resource) && typeof resource.resourceType === 'string'
      ? resource.resourceType
      : 'Resource';
  const wrongType = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const missingType = new Set(
    errors
      .filter((e) => e.keyword === 'required' && e.params.missingProperty === 'resourceType')
      .map((e) => e.instancePath),
  );
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword !== 'type' && wrongType.has(error.instancePath)) continue; // the type says it all
    if (error.keyword === 'discriminator' && missingType.has(error.instancePath)) continue;
    const issue = describe(error, pointerToExpression(root, error.instancePath), resource, names);
    const key = `${issue.expression.join()}\n${issue.diagnostics}`;
    if (!seen.has(key)) issues.push(issue);
    seen.add(key);
  }
  return issues;
}

function describe(error: ErrorObject, at: string, resource: unknown, names: SchemaNames): ValidationIssue {
  const value = valueAtPointer(resource, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type': {
      const expected = [params.type].flat().map(String).map(typeName).join(' or ');
      if (error.instancePath === '')
        return issue('structure', `A FHIR resource must be a JSON object, found ${shown(value)}`, 'Resource');
      return issue('structure', `${at} must be ${expected}, found ${shown(value)}`, at);
    }
    case 'additionalProperties': {
      const element = String(params.additionalProperty);
      const owner = names.definitions.get(error.parentSchema as object);
      const where = owner ? ` in ${displayName(owner)}` : '';
      return issue('structure', `Unknown element '${element}'${where}: FHIR R4 does not define it`, `${at}.${element}`);
    }
    case 'required': {
      const element = String(params.missingProperty);
      if (element === 'resourceType')
        return issue('required', `${at} has no resourceType: a FHIR resource must name its type`, `${at}.resourceType`);
      return issue('required', `${at}.${element} is required by FHIR R4 (min 1)`, `${at}.${element}`);
    }
    case 'discriminator': {
      if (typeof params.tagValue !== 'string') {
        return issue(
          'structure',
          `resourceType must be a string naming an R4 resource type, found ${shown(params.tagValue)}`,
          `${at}.resourceType`,
        );
      }
      return issue('structure', `'${params.tagValue}' is not an R4 resource type`, `${at}.resourceType`);
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const listed =
        allowed.length > LISTED_CODES ? `${allowed.slice(0, LISTED_CODES).join(', ')}, …` : allowed.join(', ');
      return issue('code-invalid', `${shown(value)} is not a valid code for ${at}; allowed: ${listed}`, at);
    }
    case 'pattern': {
      const type = names.patterns.get(String(params.pattern));
      const format =
        (type && FORMATS[type]) ?? (type ? `a valid ${type}` : `a value matching ${String(params.pattern)}`);
      return issue('value', `${at}: ${shown(value)} is not ${format}`, at);
    }
    case 'fhirCalendar':
      return issue('value', `${at}: ${shown(value)} is not a real calendar date`, at);
    case 'const':
      return issue('value', `${at} must be ${shown(params.allowedValue)}, found ${shown(value)}`, at);
    case 'oneOf':
      return issue('structure', `${at} does not match any of the shapes FHIR R4 allows here`, at);
    default:
      return issue('structure', `${at} ${error.message ?? 'is not valid FHIR R4'}`, at);
  }
}

const issue = (code: ValidationIssue['code'], diagnostics: string, expression: string): ValidationIssue => ({
  severity: 'error',
  code,
  diagnostics,
  expression: [expression],
});

const typeName = (type: string): string =>
  ({ array: 'an array', object: 'a JSON object', integer: 'an integer' })[type] ?? `a ${type}`;

/** `Patient_Contact` → `Patient.contact` (backbone elements), `HumanName` as it is. */
function displayName(definition: string): string {
  const [type, ...parts] = definition.replace(/\d+$/, '').split('_');
  return [type, ...parts.map((part) => part.charAt(0).toLowerCase() + part.slice(1))].join('.');
}

/** A value as a sentence shows it: "x", 3, true, null, an array, an object. */
function shown(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 60)}…` : value}'`;
  if (Array.isArray(value)) return 'an array';
  if (isObject(value)) return 'an object';
  if (value === undefined) return 'nothing';
  return String(value);
}
