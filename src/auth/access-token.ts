// Access tokens: JWTs signed with the server's key (RFC 9068 `at+jwt`), verified on every FHIR
// request without a database round trip; the claims become the request's Principal.
import { randomUUID } from 'node:crypto';
import * as jose from 'jose';
import type { AuthContext, GrantedAccess } from './context.js';
import type { Principal } from './principal.js';
import { parseResourceScope, splitScopes, type Grant } from './scopes.js';
import { TOKEN_ALG } from './signing-keys.js';

const TYP = 'at+jwt';

export async function issueAccessToken(
  ctx: AuthContext,
  clientId: string,
  access: GrantedAccess,
): Promise<{ token: string; jti: string; expiresIn: number }> {
  const jti = randomUUID();
  const expiresIn = ctx.settings.accessTokenSeconds;
  const token = await ctx.keys.sign(
    {
      iss: ctx.issuer,
      aud: ctx.fhirBaseUrl,
      sub: access.userId ?? clientId,
      client_id: clientId,
      scope: access.scope,
      jti,
      ...(access.patient ? { patient: access.patient } : {}),
      ...(access.encounter ? { encounter: access.encounter } : {}),
      ...(access.fhirUser ? { fhirUser: access.fhirUser } : {}),
      ...(access.userId ? { staff: access.staff } : {}),
      ...(access.userPatient ? { user_patient: access.userPatient } : {}),
    },
    TYP,
    expiresIn,
  );
  return { token, jti, expiresIn };
}

// Parsing the scopes of the same token string again and again is wasted work on the read path.
const grantCache = new Map<string, Grant[]>();
function grantsOf(scope: string): Grant[] {
  let grants = grantCache.get(scope);
  if (!grants) {
    grants = splitScopes(scope)
      .map(parseResourceScope)
      .filter((g): g is Grant => g !== undefined);
    if (grantCache.size > 1000) grantCache.clear();
    grantCache.set(scope, grants);
  }
  return grants;
}

export class InvalidToken extends Error {}

// A token verified once need not be verified again: it cannot change, only expire. Kept per
// process, bounded, and checked for expiry on every use.
const verified = new Map<string, Principal>();
const MAX_VERIFIED = 10000;

/** The principal of a valid access token; InvalidToken (→ 401) for anything else. */
export async function verifyAccessToken(ctx: AuthContext, token: string): Promise<Principal> {
  const known = verified.get(token);
  if (known) {
    if (known.exp > Date.now() / 1000) return known;
    verified.delete(token);
    throw new InvalidToken('the access token has expired');
  }
  const principal = await verifyFully(ctx, token);
  if (verified.size >= MAX_VERIFIED) verified.clear();
  verified.set(token, principal);
  return principal;
}

async function verifyFully(ctx: AuthContext, token: string): Promise<Principal> {
  let payload: jose.JWTPayload;
  try {
    ({ payload } = await jose.jwtVerify(token, ctx.keys.keyFor, {
      issuer: ctx.issuer,
      audience: ctx.fhirBaseUrl,
      algorithms: [TOKEN_ALG],
      typ: TYP,
      requiredClaims: ['exp', 'jti', 'scope'],
    }));
  } catch (error) {
    throw new InvalidToken(
      error instanceof jose.errors.JWTExpired ? 'the access token has expired' : 'the access token is not valid',
    );
  }
  const claim = (name: string) => (typeof payload[name] === 'string' ? (payload[name] as string) : undefined);
  const scope = claim('scope') ?? '';
  const userId = claim('fhirUser') || payload.staff !== undefined ? payload.sub : undefined;
  return {
    clientId: claim('client_id') ?? '',
    scopes: splitScopes(scope),
    grants: grantsOf(scope),
    patient: claim('patient'),
    encounter: claim('encounter'),
    userId,
    userPatient: claim('user_patient'),
    staff: userId ? payload.staff === true : true,
    fhirUser: claim('fhirUser'),
    jti: payload.jti!,
    exp: payload.exp!,
  };
}
