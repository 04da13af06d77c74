// How clients authenticate at the token, introspection and revocation endpoints (RFC 6749 §2.3,
// SMART client-confidential-symmetric/-asymmetric): public clients by client_id alone, symmetric
// ones by client_secret_basic or _post (compared in constant time), asymmetric ones by
// private_key_jwt.
import { timingSafeEqual } from 'node:crypto';
import { verifyClientAssertion } from './client-assertion.js';
import { findClient, sha256, type Client } from './clients.js';
import type { AuthContext } from './context.js';
import { invalidClient, invalidRequest } from './oauth-error.js';

export type Form = Record<string, string | undefined>;

function basicCredentials(authorization: string | undefined): { id: string; secret: string } | undefined {
  if (!authorization?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalidClient('malformed Basic credentials');
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    throw invalidClient('malformed Basic credentials');
  }
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The client a request authenticates as, by whichever one method it uses; invalid_client otherwise. */
export async function authenticateClient(
  ctx: AuthContext,
  form: Form,
  authorization: string | undefined,
): Promise<Client> {
  const basic = basicCredentials(authorization);
  const methods = [basic, form.client_secret, form.client_assertion].filter((m) => m !== undefined);
  if (methods.length > 1) throw invalidRequest('use exactly one client authentication method');
  if (form.client_assertion !== undefined) {
    if (form.client_assertion_type !== ASSERTION_TYPE)
      throw invalidClient(`client_assertion_type must be ${ASSERTION_TYPE}`);
    return verifyClientAssertion(ctx, form.client_assertion, form.client_id);
  }
  const clientId = basic?.id ?? form.client_id;
  if (!clientId) throw invalidClient('the client is not authenticated: no client_id');
  if (basic && form.client_id !== undefined && form.client_id !== basic.id)
    throw invalidClient('client_id does not match the Basic credentials');
  const client = await findClient(ctx.em(), clientId);
  if (!client) throw invalidClient('unknown client');
  const secret = basic?.secret ?? form.client_secret;
  if (client.kind === 'public') {
    if (secret !== undefined) throw invalidClient('a public client has no secret');
    return client;
  }
  if (client.kind === 'confidential-asymmetric') throw invalidClient('this client authenticates with private_key_jwt');
  if (secret === undefined || !client.secretHash) throw invalidClient('the client secret is missing');
  const given = Buffer.from(sha256(secret));
  if (!timingSafeEqual(given, Buffer.from(client.secretHash))) throw invalidClient('the client secret is wrong');
  return client;
}
