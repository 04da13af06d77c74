// private_key_jwt client authentication (RFC 7523 §3, SMART Backend Services
// https://hl7.org/fhir/smart-app-launch/backend-services.html#request-access-token): RS384 or
// ES384, iss = sub = client_id, aud = our token endpoint, at most five minutes of life, and a
// `jti` never seen before (kept until the assertion expires).
import * as jose from 'jose';
import type { Client } from './clients.js';
import { findClient } from './clients.js';
import { endpoints, type AuthContext } from './context.js';
import { invalidClient } from './oauth-error.js';

const ALGORITHMS = ['RS384', 'ES384'];
const MAX_LIFETIME_SECONDS = 300;
const remoteSets = new Map<string, ReturnType<typeof jose.createRemoteJWKSet>>();

function keySet(client: Client): jose.JWTVerifyGetKey {
  if (client.jwks) return jose.createLocalJWKSet(client.jwks as jose.JSONWebKeySet);
  const uri = client.jwksUri!;
  let set = remoteSets.get(uri);
  if (!set) remoteSets.set(uri, (set = jose.createRemoteJWKSet(new URL(uri), { timeoutDuration: 5000 })));
  return set;
}

export async function verifyClientAssertion(
  ctx: AuthContext,
  assertion: string,
  formClientId: string | undefined,
): Promise<Client> {
  let unverified: jose.JWTPayload;
  try {
    unverified = jose.decodeJwt(assertion);
  } catch {
    throw invalidClient('client_assertion is not a JWT');
  }
  const clientId = typeof unverified.iss === 'string' ? unverified.iss : undefined;
  if (!clientId) throw invalidClient('client_assertion has no iss');
  if (formClientId !== undefined && formClientId !== clientId)
    throw invalidClient('client_id does not match the assertion');
  const client = await findClient(ctx.em(), clientId);
  if (!client || client.kind !== 'confidential-asymmetric')
    throw invalidClient('unknown client, or not registered for private_key_jwt');
  let payload: jose.JWTPayload;
  try {
    ({ payload } = await jose.jwtVerify(assertion, keySet(client), {
      issuer: clientId,
      subject: clientId,
      audience: endpoints(ctx.issuer).token,
      algorithms: ALGORITHMS,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: 30,
    }));
  } catch (error) {
    const reason =
      error instanceof jose.errors.JWTExpired
        ? 'client_assertion has expired'
        : error instanceof jose.errors.JWTClaimValidationFailed
          ? `client_assertion claim ${error.claim} is not valid`
          : 'client_assertion signature does not verify with the registered keys';
    throw invalidClient(reason);
  }
  const now = Math.floor(Date.now() / 1000);
  if (payload.exp! > now + MAX_LIFETIME_SECONDS + 30)
    throw invalidClient('client_assertion must expire within five minutes');
  const inserted = await ctx.em().execute<{ jti: string }[]>(
    `insert into smart_assertion_jtis (client_id, jti, expires_at) values (?, ?, to_timestamp(?))
     on conflict do nothing returning jti`,
    [clientId, String(payload.jti), payload.exp],
  );
  if (inserted.length === 0) throw invalidClient('client_assertion jti was already used');
  return client;
}
