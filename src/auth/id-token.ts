// The OpenID Connect id_token for `openid fhirUser` (SMART App Launch 2.2 §scopes-for-requesting-identity-data).
import type { AuthContext, GrantedAccess } from './context.js';

export function issueIdToken(ctx: AuthContext, clientId: string, access: GrantedAccess): Promise<string> {
  return ctx.keys.sign(
    {
      iss: ctx.issuer,
      sub: access.userId,
      aud: clientId,
      fhirUser: access.fhirUser,
      ...(access.nonce ? { nonce: access.nonce } : {}),
      ...(access.authTime ? { auth_time: access.authTime } : {}),
    },
    'JWT',
    ctx.settings.accessTokenSeconds,
  );
}
