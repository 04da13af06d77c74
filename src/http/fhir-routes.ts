// The FHIR REST routes under the base path (http://hl7.org/fhir/R4/http.html): metadata here, every
// other interaction through the transport-free FHIR router.
import { Router, type Request, type Response } from 'express';
import type { CapabilityStatement } from 'fhir/r4.js';
import { FhirError } from '../fhir/outcome.js';
import type { FhirResponse, Query } from '../fhir/request.js';
import type { RoutedRequest } from '../fhir/router.js';
import { fhirContentNegotiation } from './middleware/fhir-content.js';

export interface FhirRouteDeps {
  capabilityStatement: CapabilityStatement;
  baseUrl: string;
  router: { handle(request: RoutedRequest): Promise<FhirResponse>; label(segments: string[]): string };
}

function only(...methods: string[]) {
  return (req: Request) => {
    throw FhirError.methodNotAllowed(`${req.method} is not allowed on ${req.originalUrl.split('?')[0]}`, methods);
  };
}

function queryOf(req: Request): Query {
  const query: Query = {};
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

export function send(res: Response, response: FhirResponse, pretty: boolean): void {
  res.status(response.status);
  if (response.headers) res.set(response.headers);
  if (response.text === undefined && response.json === undefined) return void res.end();
  let text = response.text ?? JSON.stringify(response.json, null, pretty ? 2 : undefined);
  if (pretty && response.text !== undefined) text = JSON.stringify(JSON.parse(text), null, 2);
  res.setHeader('Content-Type', 'application/fhir+json; charset=utf-8');
  res.send(text);
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
    const segments = segmentsOf(req);
    const fhir = deps.router;
    res.locals.routeLabel = `${req.baseUrl}${fhir.label(segments)}`;
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]),
    );
    const body = req.is('application/x-www-form-urlencoded') ? undefined : req.body;
    const response = await fhir.handle({
      method: req.method,
      segments,
      baseUrl: deps.baseUrl,
      query: queryOf(req),
      headers,
      body,
      clientAddress: req.ip,
    });
    send(res, response, req.query._pretty === 'true');
  });
  return router;
}
