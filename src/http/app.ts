// The Express application: security headers, CORS, bodies, logs, metrics, health and FHIR routes.
// Express is imported only under src/http (STYLE: dependencies point inward).
import cors from 'cors';
import express, { type Express } from 'express';
import type { CapabilityStatement } from 'fhir/r4.js';
import type { AuthorizationServer } from '../auth/authorization-server.js';
import type { Config } from '../config.js';
import { FhirError } from '../fhir/outcome.js';
import type { Logger } from '../log.js';
import { authRoutes, discoveryRoutes, oauthErrors } from './auth-routes.js';
import { auditRefusals, fhirRoutes, type FhirRouteDeps } from './fhir-routes.js';
import { healthRoutes, type HealthProbe } from './health.js';
import type { Metrics } from './metrics.js';
import { errorHandler } from './middleware/errors.js';
import { requestContext } from './middleware/request-context.js';
import { securityHeaders } from './middleware/security-headers.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  health: HealthProbe;
  capabilityStatement: CapabilityStatement;
  fhirRouter: FhirRouteDeps['router'];
  /** D8: present when AUTH_MODE=smart. */
  authorizationServer?: AuthorizationServer;
}

const EXPOSED_HEADERS = [
  'Location',
  'Content-Location',
  'ETag',
  'Last-Modified',
  'X-Request-Id',
  'X-Progress',
  'Retry-After',
];
const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'Prefer',
  'If-Match',
  'If-None-Match',
  'If-None-Exist',
  'If-Modified-Since',
  'X-Request-Id',
];

export function createApp(deps: AppDeps): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // FHIR ETags are versions, set by the interactions; no hashing of every body
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');

  app.use(requestContext(deps.logger));
  app.use(deps.metrics.middleware);
  app.use(securityHeaders);
  app.use(
    cors({
      origin: config.corsOrigins === '*' ? '*' : config.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    }),
  );
  app.use(
    express.json({
      type: ['application/json', 'application/fhir+json', 'application/json-patch+json'],
      limit: config.bodyLimitBytes,
      strict: true,
    }),
  );
  app.use(express.urlencoded({ extended: false, limit: config.bodyLimitBytes, parameterLimit: 1000 }));

  app.use(healthRoutes(deps.health));
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  const auth = deps.authorizationServer;
  if (auth) {
    app.use(discoveryRoutes(auth, config.fhirBasePath));
    app.use(new URL(config.auth.issuer).pathname, authRoutes(auth, new URL(config.auth.issuer).pathname));
  }
  const fhirDeps = {
    capabilityStatement: deps.capabilityStatement,
    baseUrl: config.fhirBaseUrl,
    router: deps.fhirRouter,
    ...(auth ? { authenticate: (authorization: string | undefined) => auth.bearer(authorization) } : {}),
  };
  app.use(config.fhirBasePath, fhirRoutes(fhirDeps), auditRefusals(fhirDeps));
  app.use((req) => {
    throw FhirError.notFound(`no route for ${req.method} ${req.originalUrl.split('?')[0]}`);
  });
  if (auth) app.use(new URL(config.auth.issuer).pathname, oauthErrors);
  app.use(errorHandler);
  return app;
}
