// Turns every error on a route into a response, in one place (D10): FHIR routes answer with an
// OperationOutcome, never a stack trace; unexpected errors are logged and become a 500 that names
// only the request id.
import type { NextFunction, Request, Response } from 'express';
import { FhirError } from '../../fhir/outcome.js';
import { locals } from './request-context.js';

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/** Errors thrown by express.json()/urlencoded() as FHIR errors. */
function fromBodyParser(error: BodyParserError): FhirError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return FhirError.invalid('the request body is not valid JSON');
    case 'entity.too.large':
      return FhirError.tooLarge(`the request body is larger than the limit of ${error.limit ?? '?'} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return FhirError.unsupportedMediaType('the request body must be UTF-8 encoded JSON');
    case 'request.aborted':
    case 'request.size.invalid':
      return FhirError.invalid('the request body was incomplete');
    case 'parameters.too.many':
      return FhirError.tooLarge('the form body has too many parameters');
    default:
      return undefined;
  }
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/** The database is down, restarting or out of connections: a 503 the client may retry. */
function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) ||
    (typeof message === 'string' &&
      /Timeout acquiring a connection|Connection terminated|connect ECONNREFUSED/.test(message))
  );
}

export function toFhirError(error: unknown, requestId: string): FhirError {
  if (error instanceof FhirError) return error;
  if (isDatabaseUnavailable(error))
    return FhirError.unavailable('the database is not reachable right now; retry shortly');
  if (error && typeof error === 'object') {
    const parsed = fromBodyParser(error as BodyParserError);
    if (parsed) return parsed;
    const status = (error as BodyParserError).status;
    if (typeof status === 'number' && status >= 400 && status < 500)
      return new FhirError('invalid', 'FHIR-0400', 'the request could not be read', { status });
  }
  return FhirError.internal(requestId);
}

export function sendOutcome(res: Response, error: FhirError): void {
  if (res.headersSent) return;
  res.status(error.status).set(error.headers).type('application/fhir+json').json(error.toOperationOutcome());
}

export function errorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(error);
  const { requestId, log } = locals(res);
  const fhirError = toFhirError(error, requestId);
  if (fhirError.status >= 500) log.error({ err: error }, 'request failed');
  else log.debug({ code: fhirError.messageCode, diagnostics: fhirError.message }, 'request refused');
  sendOutcome(res, fhirError);
}
