// SMART helpers for the black-box tests: clients registered in the server's database, form posts
// to the OAuth endpoints, and Backend Services assertions signed with a generated key.
import { randomUUID } from 'node:crypto';
import * as jose from 'jose';
import { registerClient, type NewClient } from '../../src/auth/clients.js';
import type { TestServer } from './server.js';

export const authBase = (server: TestServer) => server.config.auth.issuer.replace(/^https?:\/\/[^/]+/, server.url);

export async function addClient(server: TestServer, client: NewClient) {
  return registerClient(server.db.orm.em.fork(), client);
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export async function postForm(
  url: string,
  form: Record<string, string | undefined>,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) if (v !== undefined) body.append(k, v);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
    redirect: 'manual',
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // a page
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export interface BackendKey {
  alg: 'RS384' | 'ES384';
  kid: string;
  privateKey: jose.CryptoKey;
  publicJwk: jose.JWK;
}

export async function backendKey(alg: 'RS384' | 'ES384'): Promise<BackendKey> {
  const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return { alg, kid, privateKey, publicJwk: { ...(await jose.exportJWK(publicKey)), kid, alg } };
}

export function assertion(
  key: BackendKey,
  clientId: string,
  tokenUrl: string,
  overrides: { exp?: number; jti?: string; aud?: string; iss?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new jose.SignJWT({ jti: overrides.jti ?? randomUUID() })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(overrides.iss ?? clientId)
    .setSubject(clientId)
    .setAudience(overrides.aud ?? tokenUrl)
    .setExpirationTime(overrides.exp ?? now + 240)
    .sign(key.privateKey);
}

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export async function backendToken(
  server: TestServer,
  key: BackendKey,
  clientId: string,
  scope: string,
): Promise<string> {
  const token = `${authBase(server)}/token`;
  const res = await postForm(token, {
    grant_type: 'client_credentials',
    scope,
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await assertion(key, clientId, server.config.auth.issuer + '/token'),
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${res.text}`);
  return res.body.access_token as string;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
