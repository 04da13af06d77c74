// Dynamic client registration (RFC 7591), on only with AUTH_DYNAMIC_REGISTRATION=true: an app
// registers itself with its redirect URIs and keys. Such clients may ask for patient/, user/,
// identity and launch scopes, never system/ ones (Backend Services clients are registered by an
// operator with `npm run smart-client`).
import type { EntityManager } from '@mikro-orm/postgresql';
import { registerClient, type ClientKind } from './clients.js';
import { OAuthError } from './oauth-error.js';
import { parseResourceScope, splitScopes } from './scopes.js';

const DEFAULT_SCOPE = 'openid fhirUser launch launch/patient online_access patient/*.rs user/*.rs';
const METHODS: Record<string, ClientKind> = {
  none: 'public',
  client_secret_basic: 'confidential-symmetric',
  client_secret_post: 'confidential-symmetric',
  private_key_jwt: 'confidential-asymmetric',
};

const invalidMetadata = (d: string) => new OAuthError('invalid_request', d);

function redirectUris(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string'))
    throw new OAuthError('invalid_request', 'redirect_uris must be a non-empty array of URLs');
  for (const uri of value) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new OAuthError('invalid_request', `redirect_uri ${uri} is not a URL`);
    }
    if (url.hash) throw new OAuthError('invalid_request', `redirect_uri ${uri} must not have a fragment`);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
      throw new OAuthError('invalid_request', `redirect_uri ${uri} must use https (or http on loopback)`);
  }
  return value as string[];
}

export async function registerDynamically(em: EntityManager, metadata: unknown) {
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata))
    throw invalidMetadata('the body must be a JSON object of client metadata');
  const m = metadata as Record<string, unknown>;
  const method = typeof m.token_endpoint_auth_method === 'string' ? m.token_endpoint_auth_method : 'none';
  const kind = METHODS[method];
  if (!kind) throw invalidMetadata(`token_endpoint_auth_method ${method} is not supported`);
  const uris = redirectUris(m.redirect_uris);
  const scope = typeof m.scope === 'string' ? m.scope : DEFAULT_SCOPE;
  const scopes = splitScopes(scope);
  if (scopes.some((s) => parseResourceScope(s)?.context === 'system'))
    throw new OAuthError('invalid_scope', 'system/ scopes are not available to dynamically registered clients');
  const jwks = m.jwks as { keys: Record<string, unknown>[] } | undefined;
  if (kind === 'confidential-asymmetric' && !Array.isArray(jwks?.keys) && typeof m.jwks_uri !== 'string')
    throw invalidMetadata('private_key_jwt needs jwks or jwks_uri');
  const name = typeof m.client_name === 'string' ? m.client_name.slice(0, 200) : 'Unnamed app';
  const { clientId, clientSecret } = await registerClient(em, {
    name,
    kind,
    redirectUris: uris,
    scope: scopes.join(' '),
    ...(kind === 'confidential-asymmetric' && jwks ? { jwks } : {}),
    ...(kind === 'confidential-asymmetric' && typeof m.jwks_uri === 'string' ? { jwksUri: m.jwks_uri } : {}),
  });
  return {
    client_id: clientId,
    ...(clientSecret ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
    client_id_issued_at: Math.floor(Date.now() / 1000),
    client_name: name,
    redirect_uris: uris,
    token_endpoint_auth_method: method,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: scopes.join(' '),
  };
}
