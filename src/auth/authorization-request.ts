// The authorization request (RFC 6749 §4.1.1, SMART App Launch 2.2 §obtain-authorization-code),
// checked in this order: client, exact redirect_uri (until both hold, errors are a page, never a
// redirect), response_type, state, aud, PKCE (S256; required for public clients), scopes
// (narrowed to what the client is registered for), the EHR launch value.
import type { Client } from './clients.js';
import { findClient } from './clients.js';
import type { AuthContext } from './context.js';
import { readLaunch } from './launch.js';
import { CHALLENGE } from './pkce.js';
import { scopeCovered, splitScopes } from './scopes.js';

export interface AuthorizationRequest {
  clientId: string;
  clientName: string;
  redirectUri: string;
  state: string;
  scopes: string[];
  codeChallenge?: string;
  nonce?: string;
  launch?: { patient: string; encounter?: string };
}

export type Checked =
  | { ok: true; request: AuthorizationRequest }
  /** Shown as a page: the redirect_uri cannot be trusted. */
  | { ok: false; page: string }
  /** Sent back to the client's redirect_uri. */
  | { ok: false; redirect: string };

export function redirectWith(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}

/** The scopes of `requested` a client may have; launch context and identity scopes must be registered too. */
export const allowedScopes = (client: Client, requested: readonly string[]) =>
  requested.filter((s) => scopeCovered(s, splitScopes(client.scope)));

export async function checkAuthorizationRequest(
  ctx: AuthContext,
  query: Record<string, string | undefined>,
): Promise<Checked> {
  const clientId = query.client_id;
  if (!clientId) return { ok: false, page: 'The request names no client (client_id is missing).' };
  const client = await findClient(ctx.em(), clientId);
  if (!client) return { ok: false, page: 'The application is not registered with this server.' };
  const redirectUri = query.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
  if (!redirectUri || !client.redirectUris.includes(redirectUri))
    return { ok: false, page: 'The redirect_uri is not one registered for this application.' };

  const state = query.state;
  const fail = (error: string, description: string): Checked => ({
    ok: false,
    redirect: redirectWith(redirectUri, { error, error_description: description, state }),
  });
  if (query.response_type !== 'code') return fail('unsupported_response_type', 'response_type must be code');
  if (!state) return fail('invalid_request', 'state is required');
  if (query.aud?.replace(/\/$/, '') !== ctx.fhirBaseUrl)
    return fail('invalid_request', `aud must be this server's FHIR base URL ${ctx.fhirBaseUrl}`);
  const challenge = query.code_challenge;
  if (challenge !== undefined || query.code_challenge_method !== undefined) {
    if (query.code_challenge_method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
    if (!challenge || !CHALLENGE.test(challenge))
      return fail('invalid_request', 'code_challenge must be a base64url SHA-256');
  } else if (client.kind === 'public') return fail('invalid_request', 'a public client must use PKCE (S256)');

  const requested = splitScopes(query.scope);
  const scopes = allowedScopes(client, requested);
  if (scopes.length === 0)
    return fail('invalid_scope', 'none of the requested scopes is registered for this application');

  let launch: AuthorizationRequest['launch'];
  if (query.launch !== undefined) {
    launch = await readLaunch(ctx, query.launch);
    if (!launch) return fail('invalid_request', 'the launch value is not valid or has expired');
  }
  return {
    ok: true,
    request: {
      clientId,
      clientName: client.name,
      redirectUri,
      state,
      scopes,
      codeChallenge: challenge,
      nonce: query.nonce,
      launch,
    },
  };
}
