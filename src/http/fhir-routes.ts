// The FHIR REST routes under the base path (http://hl7.org/fhir/R4/http.html).
import { Router, type Request } from 'express';
import type { CapabilityStatement } from 'fhir/r4.js';
import { FhirError } from '../fhir/outcome.js';
import { fhirContentNegotiation } from './middleware/fhir-content.js';

export interface FhirRouteDeps {
  capabilityStatement: CapabilityStatement;
}

function only(...methods: string[]) {
  return (req: Request) => {
    throw FhirError.methodNotAllowed(`${req.method} is not allowed on ${req.originalUrl.split('?')[0]}`, methods);
  };
}

export function fhirRoutes({ capabilityStatement }: FhirRouteDeps): Router {
  const router = Router();
  router.use(fhirContentNegotiation);

  // http://hl7.org/fhir/R4/http.html#capabilities
  router.get('/metadata', (_req, res) => {
    res.type('application/fhir+json').json(capabilityStatement);
  });
  router.all('/metadata', only('GET', 'HEAD'));

  router.use((req) => {
    throw FhirError.notFound(`no FHIR route for ${req.method} ${req.originalUrl.split('?')[0]}`);
  });
  return router;
}
