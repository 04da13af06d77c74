// PKCE (RFC 7636), S256 only (SMART App Launch 2.x): BASE64URL(SHA256(verifier)) == challenge.
import { createHash, timingSafeEqual } from 'node:crypto';
import { invalidGrant } from './oauth-error.js';

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
export const CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

export function checkPkce(challenge: string | null | undefined, verifier: string | undefined): void {
  if (!challenge) {
    if (verifier !== undefined) throw invalidGrant('code_verifier given, but the authorization had no code_challenge');
    return;
  }
  if (verifier === undefined) throw invalidGrant('code_verifier is required');
  if (!VERIFIER.test(verifier)) throw invalidGrant('code_verifier must be 43 to 128 unreserved characters');
  const computed = Buffer.from(createHash('sha256').update(verifier).digest('base64url'));
  const expected = Buffer.from(challenge);
  if (computed.length !== expected.length || !timingSafeEqual(computed, expected))
    throw invalidGrant('code_verifier does not match the code_challenge');
}
