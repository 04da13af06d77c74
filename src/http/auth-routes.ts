// The authorization server's HTTP face (Express only here): discovery documents, the sign-in
// pages, and the OAuth endpoints, which answer in the OAuth error format (D10) with no-store.
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AuthorizationServer } from '../auth/authorization-server.js';
import type { Step, Stage } from '../auth/authorization-flow.js';
import type { Form } from '../auth/client-authentication.js';
import { OAuthError } from '../auth/oauth-error.js';
import { FhirError } from '../fhir/outcome.js';
import { demoCallbackPage, messagePage, resetPage, STYLESHEET } from '../auth/pages.js';
import { locals } from './middleware/request-context.js';

const COOKIE = 'smart_authorization';

function noStore(res: Response) {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
}

/** A form of single values: OAuth parameters must not repeat (RFC 6749 §3.1). */
function formOf(req: Request): Form {
  const body = (req.is('application/x-www-form-urlencoded') ? req.body : undefined) as
    Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object')
    throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded');
  const form: Form = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value !== 'string') throw new OAuthError('invalid_request', `${key} is given more than once`);
    form[key] = value;
  }
  return form;
}

function queryOf(req: Request): Record<string, string | undefined> {
  const query: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.query)) if (typeof value === 'string') query[key] = value;
  return query;
}

function cookieOf(req: Request): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return value.join('=');
  }
  return undefined;
}

const oauth = (handler: (req: Request, res: Response) => Promise<unknown>) => async (req: Request, res: Response) => {
  noStore(res);
  try {
    const body = await handler(req, res);
    if (!res.headersSent) res.json(body);
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    if (error.status === 401 && error.error === 'invalid_client') res.set('WWW-Authenticate', 'Basic realm="token"');
    locals(res).log.info({ oauthError: error.error, reason: error.message }, 'oauth request refused');
    res.status(error.status).json(error.toJSON());
  }
};

export function authRoutes(server: AuthorizationServer, issuerPath: string): Router {
  const secure = server.ctx.issuer.startsWith('https:');
  const router = Router();

  function sendStep(res: Response, step: Step) {
    noStore(res);
    if (step.kind === 'redirect') {
      if (step.interaction)
        res.append(
          'Set-Cookie',
          `${COOKIE}=${step.interaction}; Path=${issuerPath}; HttpOnly; SameSite=Lax; Max-Age=900${secure ? '; Secure' : ''}`,
        );
      return void res.redirect(303, step.location);
    }
    const formAction = ["'self'", step.formTarget ? new URL(step.formTarget).origin : ''].filter(Boolean).join(' ');
    res.set(
      'Content-Security-Policy',
      `default-src 'none'; style-src 'self'; img-src 'self'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    );
    res.status(step.status).type('text/html; charset=utf-8').send(step.html);
  }

  // Every form post and OAuth request counts against the address's limit for that endpoint.
  router.post('/{*endpoint}', async (req: Request, res: Response, next: NextFunction) => {
    if (await server.withinRateLimit(req.path, req.ip)) return next();
    noStore(res);
    res.set('Retry-After', '60');
    if (['/token', '/introspect', '/revoke', '/launch', '/register'].includes(req.path))
      return void res
        .status(429)
        .json({ error: 'slow_down', error_description: 'too many requests; retry in a minute' });
    res
      .status(429)
      .type('text/html; charset=utf-8')
      .send(messagePage('Too many attempts', 'Too many requests from your address. Wait a minute and try again.'));
  });
  router.get('/style.css', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('text/css').send(STYLESHEET);
  });
  router.get('/smart-style.json', (_req, res) => {
    res.json({
      color_background: '#f4f6f8',
      color_highlight: '#1d4ed8',
      color_text: '#1b1f24',
      dim_border_radius: '8px',
    });
  });
  router.get('/jwks', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(server.jwks());
  });
  router.get('/.well-known/openid-configuration', (_req, res) => void res.json(server.openidConfiguration()));

  router.get('/authorize', async (req, res) => sendStep(res, await server.flow.start(queryOf(req))));
  router.post('/authorize', async (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const query = Object.fromEntries(Object.entries(form).filter(([, v]) => typeof v === 'string')) as Record<
      string,
      string
    >;
    sendStep(res, await server.flow.start(query));
  });
  for (const stage of ['login', 'mfa', 'patient', 'consent'] as Stage[]) {
    router.get(`/${stage}`, async (req, res) =>
      sendStep(res, await server.flow.show(cookieOf(req), stage, queryOf(req))),
    );
    router.post(`/${stage}`, async (req, res) =>
      sendStep(res, await server.flow.submit(cookieOf(req), stage, (req.body ?? {}) as Record<string, string>)),
    );
  }

  router.get('/demo-callback', (req, res) =>
    sendStep(res, { kind: 'page', status: 200, html: demoCallbackPage(queryOf(req)) }),
  );
  router.get('/reset', (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    sendStep(res, {
      kind: 'page',
      status: token ? 200 : 400,
      html: token ? resetPage({ token }) : messagePage('Reset password', 'The reset link is incomplete.'),
    });
  });
  router.post('/reset', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const token = typeof body.token === 'string' ? body.token : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const again = (error: string) => sendStep(res, { kind: 'page', status: 400, html: resetPage({ token, error }) });
    if (password.length < 10) return again('The password must have at least 10 characters.');
    if (password !== body.confirm) return again('The two passwords are not the same.');
    if (!(await server.resetPassword(token, password)))
      return sendStep(res, {
        kind: 'page',
        status: 400,
        html: messagePage('Reset password', 'This reset link is not valid or has expired.'),
      });
    sendStep(res, {
      kind: 'page',
      status: 200,
      html: messagePage('Password changed', 'Your password was changed. You can sign in with it now.'),
    });
  });

  router.post(
    '/token',
    oauth(async (req) => server.token(formOf(req), req.get('authorization'))),
  );
  router.post(
    '/introspect',
    oauth(async (req) => server.introspect(formOf(req), req.get('authorization'))),
  );
  router.post(
    '/revoke',
    oauth(async (req, res) => {
      await server.revoke(formOf(req), req.get('authorization'));
      res.status(200).end();
    }),
  );
  router.post(
    '/register',
    oauth(async (req, res) => {
      const registered = await server.register(req.is('application/json') ? req.body : undefined);
      res.status(201);
      return registered;
    }),
  );
  router.post(
    '/launch',
    oauth(async (req) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
      return server.launch(req.get('authorization'), text(body.patient), text(body.encounter));
    }),
  );

  return router;
}

/** Errors on the authorization server's paths (body parsers, unknown paths, the unexpected) in the OAuth format. */
export function oauthErrors(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(error);
  noStore(res);
  const status = (error as { status?: unknown }).status;
  if (error instanceof FhirError && error.status === 404)
    return void res.status(404).json({ error: 'invalid_request', error_description: error.message });
  if (typeof status === 'number' && status >= 400 && status < 500)
    return void res
      .status(400)
      .json({ error: 'invalid_request', error_description: 'the request body could not be read' });
  locals(res).log.error({ err: error }, 'authorization server error');
  res
    .status(500)
    .json({ error: 'server_error', error_description: `internal error; request id ${locals(res).requestId}` });
}

/** Discovery documents at the places clients look for them. */
export function discoveryRoutes(server: AuthorizationServer, fhirBasePath: string): Router {
  const router = Router();
  const base = fhirBasePath === '/' ? '' : fhirBasePath;
  router.get(`${base}/.well-known/smart-configuration`, (_req, res) => void res.json(server.smartConfiguration()));
  router.get('/.well-known/openid-configuration', (_req, res) => void res.json(server.openidConfiguration()));
  return router;
}
