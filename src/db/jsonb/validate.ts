// ajv validators for the JSONB shapes, compiled once; every write through our code passes here.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { jsonbShapes, type JsonbShapeName } from './shapes.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const ajv = addFormats(
  new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false, allowUnionTypes: true }),
);
const validators = new Map<JsonbShapeName, ValidateFunction>(
  (Object.keys(jsonbShapes) as JsonbShapeName[]).map((name) => [name, ajv.compile(jsonbShapes[name])]),
);

export class JsonbShapeError extends Error {
  constructor(
    readonly shape: JsonbShapeName,
    readonly problems: readonly string[],
  ) {
    super(`${shape} does not match its JSON schema: ${problems.join('; ')}`);
    this.name = 'JsonbShapeError';
  }
}

function describe(error: ErrorObject): string {
  return `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`;
}

/** The problems of `value` against the shape, empty when it conforms. */
export function jsonbProblems(shape: JsonbShapeName, value: unknown): string[] {
  const validate = validators.get(shape)!;
  return validate(value) ? [] : (validate.errors ?? []).map(describe);
}

export function assertJsonbShape(shape: JsonbShapeName, value: unknown): void {
  const problems = jsonbProblems(shape, value);
  if (problems.length > 0) throw new JsonbShapeError(shape, problems);
}
