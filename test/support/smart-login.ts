// Drives the sign-in pages over plain HTTP, as a browser without JavaScript would: follow the
// 303s, keep the cookie, read the CSRF token from each form, post it back.
import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { newPatient, newPractitioner } from './fhir-client.js';
import type { TestServer } from './server.js';
import { authBase, backendKey, backendToken, addClient, bearer, postForm } from './smart.js';

export interface Page {
  status: number;
  location?: string;
  html: string;
  headers: Headers;
}

export class Browser {
  cookie = '';
  constructor(readonly base: string) {}

  private remember(res: Response) {
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
  }

  async get(url: string): Promise<Page> {
    const res = await fetch(new URL(url, `${this.base}/`), {
      redirect: 'manual',
      headers: this.cookie ? { cookie: this.cookie } : {},
    });
    this.remember(res);
    return {
      status: res.status,
      location: res.headers.get('location') ?? undefined,
      html: await res.text(),
      headers: res.headers,
    };
  }

  async post(url: string, fields: [string, string][]): Promise<Page> {
    const res = await fetch(new URL(url, `${this.base}/`), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: new URLSearchParams(fields),
    });
    this.remember(res);
    return {
      status: res.status,
      location: res.headers.get('location') ?? undefined,
      html: await res.text(),
      headers: res.headers,
    };
  }
}

export const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
export const scopesOnPage = (html: string) =>
  [...html.matchAll(/name="scope" id="[^"]+" value="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));

export function pkce() {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface SignIn {
  clientId: string;
  redirectUri: string;
  scope: string;
  email: string;
  password: string;
  challenge?: string;
  totp?: () => string;
  patient?: string;
  launch?: string;
  /** Scopes to untick on the consent page. */
  untick?: string[];
  deny?: boolean;
  state?: string;
}

/** Runs /authorize to the redirect; returns the final redirect URL (with code or error). */
export async function signIn(server: TestServer, o: SignIn): Promise<URL> {
  const browser = new Browser(authBase(server));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: o.clientId,
    redirect_uri: o.redirectUri,
    scope: o.scope,
    state: o.state ?? 'st-' + randomBytes(4).toString('hex'),
    aud: server.config.fhirBaseUrl,
    ...(o.challenge ? { code_challenge: o.challenge, code_challenge_method: 'S256' } : {}),
    ...(o.launch ? { launch: o.launch } : {}),
  });
  let page = await browser.get(`authorize?${query}`);
  for (let steps = 0; steps < 12; steps++) {
    if (page.status !== 303) throw new Error(`sign-in stopped with ${page.status}: ${page.html.slice(0, 400)}`);
    const location = page.location!;
    if (/^https?:/.test(location)) return new URL(location);
    const form = await browser.get(location);
    if (form.status !== 200) throw new Error(`${location}: ${form.status} ${form.html.slice(0, 300)}`);
    const csrf = csrfOf(form.html);
    if (location === 'login')
      page = await browser.post('login', [
        ['csrf', csrf],
        ['email', o.email],
        ['password', o.password],
      ]);
    else if (location === 'mfa')
      page = await browser.post('mfa', [
        ['csrf', csrf],
        ['code', o.totp!()],
      ]);
    else if (location === 'patient')
      page = await browser.post('patient', [
        ['csrf', csrf],
        ['patient', o.patient!],
      ]);
    else if (location === 'consent') {
      const scopes = scopesOnPage(form.html).filter((s) => !o.untick?.includes(s));
      page = await browser.post('consent', [
        ['csrf', csrf],
        ['decision', o.deny ? 'deny' : 'allow'],
        ...scopes.map((s) => ['scope', s] as [string, string]),
      ]);
    } else throw new Error(`unexpected step ${location}`);
  }
  throw new Error('sign-in did not finish');
}

export async function exchange(
  server: TestServer,
  form: Record<string, string | undefined>,
  headers: Record<string, string> = {},
) {
  return postForm(`${authBase(server)}/token`, { grant_type: 'authorization_code', ...form }, headers);
}

export const PASSWORD = 'correct horse battery';

/**
 * A user's sign-in through a public client with PKCE, and the code exchanged: the token response
 * (`access_token`, `scope`, `patient`, ...). Anything but a 200 is an error naming the answer.
 */
export async function publicClientToken(
  server: TestServer,
  o: { clientId: string; redirectUri: string; scope: string; user: { email: string } },
): Promise<Record<string, any>> {
  const { challenge, verifier } = pkce();
  const url = await signIn(server, {
    clientId: o.clientId,
    redirectUri: o.redirectUri,
    scope: o.scope,
    email: o.user.email,
    password: PASSWORD,
    challenge,
  });
  const res = await exchange(server, {
    code: url.searchParams.get('code')!,
    code_verifier: verifier,
    redirect_uri: o.redirectUri,
    client_id: o.clientId,
  });
  if (res.status !== 200) throw new Error(`token exchange: ${res.status} ${res.text}`);
  return res.body as Record<string, any>;
}

/** An admin backend client, for setting up data in a server with AUTH_MODE=smart. */
export async function adminToken(server: TestServer): Promise<string> {
  const key = await backendKey('ES384');
  const clientId = `setup-${randomBytes(4).toString('hex')}`;
  await addClient(server, {
    clientId,
    name: 'Setup',
    kind: 'confidential-asymmetric',
    scope: 'system/*.cruds',
    jwks: { keys: [key.publicJwk as Record<string, unknown>] },
  });
  return backendToken(server, key, clientId, 'system/*.cruds');
}

export interface TestUser {
  email: string;
  id: string;
  userId: string;
}

/** A patient (or practitioner) created through FHIR, made an active account with a known bcrypt password. */
export async function createUser(
  server: TestServer,
  token: string,
  kind: 'Patient' | 'Practitioner',
  overrides: Record<string, unknown> = {},
): Promise<TestUser> {
  const resource = kind === 'Patient' ? newPatient(overrides) : newPractitioner(overrides);
  const res = await server.call('POST', `/${kind}`, { body: resource, headers: bearer(token) });
  if (res.status !== 201) throw new Error(`${kind}: ${res.status} ${res.text}`);
  const table = kind === 'Patient' ? 'patients' : 'doctors';
  const { rows } = await server.sql.query(
    `update users u set password = $1, status = 'active' from ${table} r where r."userId" = u.id and r.id = $2 returning u.email, u.id`,
    [await bcrypt.hash(PASSWORD, 10), res.body.id],
  );
  return { email: rows[0].email, userId: rows[0].id, id: res.body.id };
}
