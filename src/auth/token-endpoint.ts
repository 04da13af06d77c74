// The token endpoint (RFC 6749 §3.2): authorization_code with PKCE (§4.1.3, RFC 7636),
// refresh_token (§6, rotated) and client_credentials with private_key_jwt (SMART Backend Services).
import { authenticateClient, type Form } from './client-authentication.js';
import { sha256, type Client } from './clients.js';
import { issueAccessToken } from './access-token.js';
import type { AuthContext, GrantedAccess } from './context.js';
import { issueIdToken } from './id-token.js';
import { invalidGrant, invalidRequest, invalidScope, OAuthError } from './oauth-error.js';
import { checkPkce } from './pkce.js';
import { issueRefreshToken, revokeFamily, useRefreshToken, wantsRefresh } from './refresh-tokens.js';
import { parseResourceScope, scopeCovered, splitScopes } from './scopes.js';

export type TokenResponse = Record<string, unknown>;

async function tokenResponse(
  ctx: AuthContext,
  client: Client,
  access: GrantedAccess,
  family?: string,
): Promise<TokenResponse> {
  const { token, expiresIn } = await issueAccessToken(ctx, client.clientId, access);
  const scopes = splitScopes(access.scope);
  const response: TokenResponse = {
    access_token: token,
    token_type: 'Bearer',
    expires_in: expiresIn,
    scope: scopes.join(' '),
  };
  if (access.patient) {
    response.patient = access.patient;
    response.need_patient_banner = true;
    response.smart_style_url = `${ctx.issuer}/smart-style.json`;
  }
  if (access.encounter) response.encounter = access.encounter;
  if (access.fhirUser && scopes.includes('fhirUser')) response.fhirUser = access.fhirUser;
  if (access.userId && scopes.includes('openid') && scopes.includes('fhirUser'))
    response.id_token = await issueIdToken(ctx, client.clientId, access);
  if (access.userId && wantsRefresh(access.scope))
    response.refresh_token = await issueRefreshToken(
      ctx.em(),
      client.clientId,
      access,
      family,
      ctx.settings.refreshTokenDays,
    );
  return response;
}

interface CodeRow {
  client_id: string;
  redirect_uri: string;
  code_challenge: string | null;
  grant: GrantedAccess | string;
  family: string;
}

async function authorizationCode(ctx: AuthContext, client: Client, form: Form): Promise<TokenResponse> {
  if (!form.code) throw invalidRequest('code is required');
  const em = ctx.em();
  const hash = sha256(form.code);
  const [row] = await em.execute<CodeRow[]>(
    `update smart_authorization_codes set used_at = now()
      where code_hash = ? and used_at is null and expires_at > now()
      returning client_id, redirect_uri, code_challenge, "grant", family`,
    [hash],
  );
  if (!row) {
    // RFC 6749 §4.1.2: a code used twice revokes the tokens issued from it.
    const [used] = await em.execute<{ family: string }[]>(
      'select family from smart_authorization_codes where code_hash = ? and used_at is not null',
      [hash],
    );
    if (used) await revokeFamily(em, used.family);
    throw invalidGrant(
      used ? 'the authorization code was already used' : 'the authorization code is not valid or expired',
    );
  }
  if (row.client_id !== client.clientId) throw invalidGrant('the authorization code was issued to another client');
  if (form.redirect_uri !== row.redirect_uri)
    throw invalidGrant('redirect_uri does not match the one of the authorization request');
  checkPkce(row.code_challenge, form.code_verifier);
  const access = (typeof row.grant === 'string' ? JSON.parse(row.grant) : row.grant) as GrantedAccess;
  return tokenResponse(ctx, client, access, row.family);
}

async function refreshToken(ctx: AuthContext, client: Client, form: Form): Promise<TokenResponse> {
  if (!form.refresh_token) throw invalidRequest('refresh_token is required');
  const { access, family } = await useRefreshToken(ctx.em(), form.refresh_token, client.clientId);
  let scope = access.scope;
  if (form.scope !== undefined) {
    const granted = splitScopes(access.scope);
    const wanted = splitScopes(form.scope);
    const beyond = wanted.filter((s) => !granted.includes(s));
    if (beyond.length) throw invalidScope(`scopes beyond the original grant: ${beyond.join(' ')}`);
    scope = wanted.join(' ');
  }
  return tokenResponse(ctx, client, { ...access, scope }, family);
}

async function clientCredentials(ctx: AuthContext, client: Client, form: Form): Promise<TokenResponse> {
  if (client.kind === 'public')
    throw new OAuthError('unauthorized_client', 'a public client cannot use client_credentials');
  const wanted = splitScopes(form.scope);
  if (wanted.length === 0) throw invalidScope('scope is required');
  const allowed = splitScopes(client.scope);
  for (const scope of wanted) {
    const grant = parseResourceScope(scope);
    if (!grant || grant.context !== 'system')
      throw invalidScope(`${scope}: client_credentials grants system/ scopes only`);
    if (!scopeCovered(scope, allowed)) throw invalidScope(`${scope} is not registered for this client`);
  }
  return tokenResponse(ctx, client, { scope: wanted.join(' '), staff: true });
}

const GRANTS: Record<string, (ctx: AuthContext, client: Client, form: Form) => Promise<TokenResponse>> = {
  authorization_code: authorizationCode,
  refresh_token: refreshToken,
  client_credentials: clientCredentials,
};

export async function tokenEndpoint(
  ctx: AuthContext,
  form: Form,
  authorization: string | undefined,
): Promise<TokenResponse> {
  const grantType = form.grant_type;
  if (!grantType) throw invalidRequest('grant_type is required');
  const grant = GRANTS[grantType];
  if (!grant) throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
  const client = await authenticateClient(ctx, form, authorization);
  return grant(ctx, client, form);
}
