// Token introspection (RFC 7662) and revocation (RFC 7009), for authenticated clients. An access
// token is active while its signature, issuer, audience and expiry hold and it was not revoked;
// revoking a refresh token revokes its family.
import { authenticateClient, type Form } from './client-authentication.js';
import { sha256 } from './clients.js';
import { InvalidToken, verifyAccessToken } from './access-token.js';
import type { AuthContext, GrantedAccess } from './context.js';
import { invalidRequest } from './oauth-error.js';
import { revokeFamily } from './refresh-tokens.js';

async function accessTokenInfo(ctx: AuthContext, token: string) {
  try {
    const principal = await verifyAccessToken(ctx, token);
    const [revoked] = await ctx.em().execute('select 1 from smart_revoked_tokens where jti = ?', [principal.jti]);
    return revoked ? undefined : principal;
  } catch (error) {
    if (error instanceof InvalidToken) return undefined;
    throw error;
  }
}

interface RefreshInfo {
  family: string;
  client_id: string;
  grant: GrantedAccess | string;
  exp: number;
}

async function refreshTokenInfo(ctx: AuthContext, token: string): Promise<RefreshInfo | undefined> {
  const [row] = await ctx.em().execute<RefreshInfo[]>(
    `select family, client_id, "grant", extract(epoch from expires_at)::int as exp from smart_refresh_tokens
      where token_hash = ? and used_at is null and revoked_at is null and expires_at > now()`,
    [sha256(token)],
  );
  return row;
}

export async function introspect(ctx: AuthContext, form: Form, authorization: string | undefined) {
  await authenticateClient(ctx, form, authorization);
  if (!form.token) throw invalidRequest('token is required');
  const principal = await accessTokenInfo(ctx, form.token);
  if (principal)
    return {
      active: true,
      token_type: 'Bearer',
      scope: principal.scopes.join(' '),
      client_id: principal.clientId,
      sub: principal.userId ?? principal.clientId,
      exp: principal.exp,
      iss: ctx.issuer,
      aud: ctx.fhirBaseUrl,
      ...(principal.patient ? { patient: principal.patient } : {}),
      ...(principal.fhirUser ? { fhirUser: principal.fhirUser } : {}),
    };
  const refresh = await refreshTokenInfo(ctx, form.token);
  if (refresh) {
    const access = (typeof refresh.grant === 'string' ? JSON.parse(refresh.grant) : refresh.grant) as GrantedAccess;
    return {
      active: true,
      token_type: 'refresh_token',
      scope: access.scope,
      client_id: refresh.client_id,
      sub: access.userId,
      exp: refresh.exp,
      iss: ctx.issuer,
      ...(access.patient ? { patient: access.patient } : {}),
    };
  }
  return { active: false };
}

/** Revokes a refresh token's family or an access token; the revoked access token's jti, if any. */
export async function revoke(
  ctx: AuthContext,
  form: Form,
  authorization: string | undefined,
): Promise<string | undefined> {
  const client = await authenticateClient(ctx, form, authorization);
  if (!form.token) throw invalidRequest('token is required');
  const refresh = await refreshTokenInfo(ctx, form.token);
  if (refresh) {
    if (refresh.client_id === client.clientId) await revokeFamily(ctx.em(), refresh.family);
    return undefined;
  }
  const principal = await accessTokenInfo(ctx, form.token);
  if (!principal || principal.clientId !== client.clientId) return undefined;
  await ctx
    .em()
    .execute('insert into smart_revoked_tokens (jti, expires_at) values (?, to_timestamp(?)) on conflict do nothing', [
      principal.jti,
      principal.exp,
    ]);
  return principal.jti;
}
