// Refresh tokens (RFC 6749 §6, SMART offline_access/online_access): opaque, stored as hashes,
// rotated on every use; a token used twice revokes its whole family (RFC 6819 §5.2.2.3).
import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sha256 } from './clients.js';
import type { GrantedAccess } from './context.js';
import { invalidGrant } from './oauth-error.js';

const ONLINE_ACCESS_SECONDS = 12 * 3600;

export const wantsRefresh = (scope: string) => /(^|\s)(offline_access|online_access)(\s|$)/.test(scope);

export async function issueRefreshToken(
  em: EntityManager,
  clientId: string,
  access: GrantedAccess,
  family: string = randomUUID(),
  offlineDays: number,
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const seconds = /(^|\s)offline_access(\s|$)/.test(access.scope) ? offlineDays * 86400 : ONLINE_ACCESS_SECONDS;
  await em.execute(
    `insert into smart_refresh_tokens (token_hash, family, client_id, "grant", expires_at)
     values (?, ?, ?, ?, now() + make_interval(secs => ?))`,
    [sha256(token), family, clientId, JSON.stringify(access), seconds],
  );
  return token;
}

interface RefreshRow {
  family: string;
  client_id: string;
  grant: GrantedAccess | string;
  expires_at: Date | string | null;
}

export const revokeFamily = (em: EntityManager, family: string) =>
  em.execute('update smart_refresh_tokens set revoked_at = now() where family = ? and revoked_at is null', [family]);

/** Uses a refresh token once: its grant and family, or invalid_grant (and a reused one revokes the family). */
export async function useRefreshToken(
  em: EntityManager,
  token: string,
  clientId: string,
): Promise<{ access: GrantedAccess; family: string }> {
  const hash = sha256(token);
  const [row] = await em.execute<RefreshRow[]>(
    `update smart_refresh_tokens set used_at = now()
      where token_hash = ? and used_at is null and revoked_at is null and expires_at > now()
      returning family, client_id, "grant", expires_at`,
    [hash],
  );
  if (!row) {
    const [seen] = await em.execute<{ family: string; used_at: unknown; client_id: string }[]>(
      'select family, used_at, client_id from smart_refresh_tokens where token_hash = ?',
      [hash],
    );
    if (seen?.used_at && seen.client_id === clientId) {
      await revokeFamily(em, seen.family);
      throw invalidGrant('the refresh token was already used; its family is revoked');
    }
    throw invalidGrant('the refresh token is not valid, expired or revoked');
  }
  if (row.client_id !== clientId) throw invalidGrant('the refresh token was issued to another client');
  const access = (typeof row.grant === 'string' ? JSON.parse(row.grant) : row.grant) as GrantedAccess;
  return { access, family: row.family };
}
