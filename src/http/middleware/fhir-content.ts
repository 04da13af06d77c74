// Content negotiation for FHIR routes (http://hl7.org/fhir/R4/http.html#mime-type): the server
// speaks JSON only, so an XML-only Accept or _format is 406 and a body of another type is 415.
import type { NextFunction, Request, Response } from 'express';
import { FhirError } from '../../fhir/outcome.js';

const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);
/** Bulk export files are NDJSON: a client may ask for them so. */
const NDJSON = new Set(['application/fhir+ndjson', 'application/ndjson', 'ndjson']);
const BODY_TYPES = [
  'application/fhir+json',
  'application/json',
  'application/json-patch+json',
  'application/x-www-form-urlencoded',
];

function acceptsJson(accept: string): boolean {
  return accept.split(',').some((range) => {
    const type = range.split(';')[0]!.trim().toLowerCase();
    return type === '*/*' || type === 'application/*' || JSON_FORMATS.has(type) || NDJSON.has(type) || type === '';
  });
}

function hasBody(req: Request): boolean {
  const length = req.get('content-length');
  return (length !== undefined && length !== '0') || req.get('transfer-encoding') !== undefined;
}

export function fhirContentNegotiation(req: Request, _res: Response, next: NextFunction): void {
  const format = req.query._format;
  if (format !== undefined) {
    const value = Array.isArray(format) ? format[0] : format;
    if (typeof value !== 'string' || !JSON_FORMATS.has(value.split(';')[0]!.trim().toLowerCase()))
      throw FhirError.notAcceptable(`_format ${String(value)} is not supported; this server speaks FHIR JSON`);
  } else {
    const accept = req.get('accept');
    if (accept && !acceptsJson(accept))
      throw FhirError.notAcceptable(`cannot answer with ${accept}; this server speaks application/fhir+json`);
  }
  if (hasBody(req) && !BODY_TYPES.some((type) => req.is(type)))
    throw FhirError.unsupportedMediaType(
      `a request body must be application/fhir+json (got ${req.get('content-type') ?? 'no Content-Type'})`,
    );
  next();
}
