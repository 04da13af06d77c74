// The FHIR REST routes under the base path (http://hl7.org/fhir/R4/http.html): metadata here, every
// other interaction through the transport-free FHIR router.
import fs from 'node:fs';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { CapabilityStatement } from 'fhir/r4.js';
import type { BearerResult } from '../auth/authorization-server.js';
import { FhirError } from '../fhir/outcome.js';
import { emptyQuery, type FhirResponse, type Query } from '../fhir/request.js';
import type { RoutedRequest } from '../fhir/router.js';
import { toFhirError } from './middleware/errors.js';
import { fhirContentNegotiation } from './middleware/fhir-content.js';
import { locals } from './middleware/request-context.js';

export interface FhirRouteDeps {
  capabilityStatement: CapabilityStatement;
  baseUrl: string;
  router: {
    handle(request: RoutedRequest): Promise<FhirResponse>;
    label(segments: string[]): string;
    /** D9: a request refused before it reached handle (no or a bad token). */
    refused?(request: RoutedRequest, error: unknown): void;
  };
  /** D8: the bearer check; absent when authorization is off. */
  authenticate?: (authorization: string | undefined) => Promise<BearerResult>;
}

/** No token: 401 with WWW-Authenticate (RFC 6750 §3); a bad one also names invalid_token. */
async function accessOf(deps: FhirRouteDeps, req: Request) {
  if (!deps.authenticate) return undefined;
  const result = await deps.authenticate(req.get('authorization'));
  if (result.ok) return { access: result.access, principal: result.principal };
  const challenge =
    result.error === 'missing'
      ? 'Bearer realm="fhir"'
      : `Bearer realm="fhir", error="invalid_token", error_description="${result.reason}"`;
  throw new FhirError('login', 'FHIR-0401', result.reason, { headers: { 'WWW-Authenticate': challenge } });
}

function only(...methods: string[]) {
  return (req: Request) => {
    throw FhirError.methodNotAllowed(`${req.method} is not allowed on ${req.originalUrl.split('?')[0]}`, methods);
  };
}

function queryOf(req: Request): Query {
  const query = emptyQuery();
  const add = (source: unknown) => {
    if (!source || typeof source !== 'object') return;
    for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
      const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
      if (values.length === 0) continue;
      const existing = query[key];
      const all = [...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]), ...values];
      query[key] = all.length === 1 ? all[0]! : all;
    }
  };
  add(req.query);
  if (req.is('application/x-www-form-urlencoded')) add(req.body);
  return query;
}

function segmentsOf(req: Request): string[] {
  try {
    return req.path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw FhirError.invalid('the request path is not valid percent-encoding');
  }
}

function sendFile(res: Response, response: FhirResponse & { file: NonNullable<FhirResponse['file']> }): void {
  const { size } = fs.statSync(response.file.path);
  res.writeHead(response.status, { 'Content-Type': response.file.contentType, 'Content-Length': size });
  if (res.req.method === 'HEAD') return void res.end();
  const stream = fs.createReadStream(response.file.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

export function send(res: Response, response: FhirResponse, pretty: boolean): void {
  if (response.headers) for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  if (response.file) return sendFile(res, { ...response, file: response.file });
  if (response.text === undefined && response.json === undefined) {
    res.statusCode = response.status;
    return void res.end();
  }
  let text = response.text ?? JSON.stringify(response.json, null, pretty ? 2 : undefined);
  if (pretty && response.text !== undefined) text = JSON.stringify(JSON.parse(text), null, 2);
  // written directly: Express's send would re-derive type, length and freshness for every body
  res.writeHead(response.status, {
    'Content-Type': 'application/fhir+json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** The request as the FHIR router takes it, with the given path segments. */
function routedRequest(deps: FhirRouteDeps, req: Request, segments: string[], withBody: boolean): RoutedRequest {
  return {
    method: req.method,
    segments,
    baseUrl: deps.baseUrl,
    query: queryOf(req),
    headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v])),
    body: withBody && !req.is('application/x-www-form-urlencoded') ? req.body : undefined,
    clientAddress: req.ip,
  };
}

/** Marks a request whose audit row the FHIR router writes (handle or refused). */
const AUDITED = Symbol('audited by the FHIR router');

/**
 * D9: requests refused before the FHIR router saw them (a body that is no JSON or too large, a
 * media type it does not speak) are audited too, as refusals of the path sent.
 */
export function auditRefusals(deps: FhirRouteDeps) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (!(res.locals as Record<symbol, unknown>)[AUDITED]) {
      let segments: string[];
      try {
        segments = req.path.split('/').filter(Boolean).map(decodeURIComponent);
      } catch {
        segments = req.path.split('/').filter(Boolean);
      }
      deps.router.refused?.(routedRequest(deps, req, segments, false), toFhirError(error, locals(res).requestId));
    }
    next(error);
  };
}

export function fhirRoutes(deps: FhirRouteDeps): Router {
  const router = Router();
  router.use(fhirContentNegotiation);

  // http://hl7.org/fhir/R4/http.html#capabilities
  router.get('/metadata', (req, res) => {
    send(res, { status: 200, json: deps.capabilityStatement }, req.query._pretty === 'true');
  });
  router.all('/metadata', only('GET', 'HEAD'));

  router.use(async (req, res) => {
    const fhir = deps.router;
    (res.locals as Record<symbol, unknown>)[AUDITED] = true;
    const requestOf = (segments: string[]): RoutedRequest => routedRequest(deps, req, segments, true);
    const sent = req.path.split('/').filter(Boolean);
    let caller: Awaited<ReturnType<typeof accessOf>>;
    try {
      caller = await accessOf(deps, req);
    } catch (error) {
      // D9: refusals for a missing or bad token are audited too (the path as sent)
      fhir.refused?.(requestOf(sent), error);
      throw error;
    }
    let segments: string[];
    try {
      segments = segmentsOf(req);
    } catch (error) {
      fhir.refused?.({ ...requestOf(sent), ...caller }, error);
      throw error;
    }
    res.locals.routeLabel = `${req.baseUrl}${fhir.label(segments)}`;
    const request = requestOf(segments);
    const response = await fhir.handle(caller ? { ...request, ...caller } : request);
    send(res, response, request.query._pretty === 'true');
  });
  return router;
}
