// Registered clients (smart_clients, D11): public, confidential with a secret (kept as its
// SHA-256), or confidential with keys (a JWKS by value or a JWKS URL), each with its exact
// redirect URIs and the scopes it may be granted.
import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';

export type ClientKind = 'public' | 'confidential-symmetric' | 'confidential-asymmetric';

export interface Client {
  clientId: string;
  name: string;
  kind: ClientKind;
  redirectUris: string[];
  /** Scopes the client may be granted (space separated, v1 or v2, wildcards allowed). */
  scope: string;
  jwks?: { keys: Record<string, unknown>[] };
  jwksUri?: string;
  secretHash?: string;
}

interface ClientRow {
  client_id: string;
  name: string;
  kind: ClientKind;
  secret_hash: string | null;
  redirect_uris: string[];
  scope: string;
  jwks: Client['jwks'] | string | null;
  jwks_uri: string | null;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export async function findClient(em: EntityManager, clientId: string): Promise<Client | undefined> {
  const [row] = await em.execute<ClientRow[]>('select * from smart_clients where client_id = ?', [clientId]);
  if (!row) return undefined;
  return {
    clientId: row.client_id,
    name: row.name,
    kind: row.kind,
    redirectUris: row.redirect_uris,
    scope: row.scope,
    jwks: typeof row.jwks === 'string' ? JSON.parse(row.jwks) : (row.jwks ?? undefined),
    jwksUri: row.jwks_uri ?? undefined,
    secretHash: row.secret_hash ?? undefined,
  };
}

export interface NewClient {
  clientId?: string;
  name: string;
  kind: ClientKind;
  redirectUris?: string[];
  scope: string;
  jwks?: Client['jwks'];
  jwksUri?: string;
}

/** Registers a client; a symmetric client's secret is returned once and stored only hashed. */
export async function registerClient(
  em: EntityManager,
  client: NewClient,
): Promise<{ clientId: string; clientSecret?: string }> {
  const clientId = client.clientId ?? randomBytes(12).toString('base64url');
  const clientSecret = client.kind === 'confidential-symmetric' ? randomBytes(32).toString('base64url') : undefined;
  if (client.kind === 'confidential-asymmetric' && !client.jwks && !client.jwksUri)
    throw new Error('an asymmetric client needs a JWKS or a JWKS URL');
  await em.execute(
    `insert into smart_clients (client_id, name, kind, secret_hash, redirect_uris, scope, jwks, jwks_uri)
     values (?, ?, ?, ?, array(select jsonb_array_elements_text(?::jsonb)), ?, ?, ?)`,
    [
      clientId,
      client.name,
      client.kind,
      clientSecret ? sha256(clientSecret) : null,
      JSON.stringify(client.redirectUris ?? []),
      client.scope,
      client.jwks ? JSON.stringify(client.jwks) : null,
      client.jwksUri ?? null,
    ],
  );
  return { clientId, clientSecret };
}
