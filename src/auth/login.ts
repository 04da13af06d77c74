// Sign-in over the hospital's `users` table (D8): bcrypt hashes as the hospital's application
// writes them ($2a$/$2b$/$2y$), only `active` accounts, the TOTP second factor when mfaEnabled,
// a lockout after AUTH_LOCKOUT_FAILURES failures in a row (kept in the database, shared by every
// instance), lastLoginAt on success, and password reset through resetPasswordToken (its SHA-256).
import bcrypt from 'bcryptjs';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sha256 } from './clients.js';
import type { AuthContext } from './context.js';
import { matchTotp } from './totp.js';

export interface SignedInUser {
  id: string;
  email: string;
  roles: string[];
  mfaEnabled: boolean;
}

export type LoginOutcome = { ok: true; user: SignedInUser } | { ok: false; reason: 'invalid' | 'locked' | 'inactive' };

interface UserRow {
  id: string;
  email: string;
  password: string;
  status: string | null;
  roles: string[];
  mfaEnabled: boolean | null;
  mfaSecret: string | null;
}

// Compared against when the email is unknown, so both cases take a bcrypt's time.
const DUMMY_HASH = bcrypt.hashSync('not a password of anyone', 10);
const STAFF_ROLES = new Set(['doctor', 'nurse', 'admin']);
export const isStaff = (roles: readonly string[]) => roles.some((r) => STAFF_ROLES.has(r));

const normalise = (email: string) => email.trim().toLowerCase();

async function findUser(em: EntityManager, where: string, value: string): Promise<UserRow | undefined> {
  const [row] = await em.execute<UserRow[]>(
    `select id, email, password, status, roles, "mfaEnabled", "mfaSecret" from users
      where ${where} and "deletedAt" is null and "isDeleted" is not true`,
    [value],
  );
  return row;
}

async function locked(em: EntityManager, email: string): Promise<boolean> {
  const [row] = await em.execute('select 1 from smart_login_failures where email = ? and locked_until > now()', [
    email,
  ]);
  return row !== undefined;
}

async function recordFailure(ctx: AuthContext, email: string): Promise<void> {
  const { lockoutFailures, lockoutMinutes } = ctx.settings;
  await ctx.em().execute(
    `insert into smart_login_failures as f (email, failures) values (?, 1)
     on conflict (email) do update set
       failures = case when f.failures + 1 >= ? then 0 else f.failures + 1 end,
       locked_until = case when f.failures + 1 >= ? then now() + make_interval(mins => ?) else f.locked_until end,
       updated_at = now()`,
    [email, lockoutFailures, lockoutFailures, lockoutMinutes],
  );
  if (lockoutFailures === 1)
    await ctx
      .em()
      .execute(
        `update smart_login_failures set failures = 0, locked_until = now() + make_interval(mins => ?) where email = ?`,
        [lockoutMinutes, email],
      );
}

const toUser = (row: UserRow): SignedInUser => ({
  id: row.id,
  email: row.email,
  roles: row.roles,
  mfaEnabled: row.mfaEnabled === true && !!row.mfaSecret,
});

/** The first factor: email and password. */
export async function checkPassword(ctx: AuthContext, emailInput: string, password: string): Promise<LoginOutcome> {
  const em = ctx.em();
  const email = normalise(emailInput);
  if (await locked(em, email)) return { ok: false, reason: 'locked' };
  const row = await findUser(em, 'lower(email) = ?', email);
  const hash = row?.password?.replace(/^\$2y\$/, '$2b$');
  const matches = await bcrypt.compare(password, hash && /^\$2[aby]\$/.test(hash) ? hash : DUMMY_HASH);
  if (!row || !matches) {
    await recordFailure(ctx, email);
    return { ok: false, reason: (await locked(em, email)) ? 'locked' : 'invalid' };
  }
  await em.execute('delete from smart_login_failures where email = ?', [email]);
  if (row.status !== 'active') return { ok: false, reason: 'inactive' };
  return { ok: true, user: toUser(row) };
}

/** The second factor for a user whose password was right. */
export async function checkSecondFactor(ctx: AuthContext, userId: string, code: string): Promise<LoginOutcome> {
  const em = ctx.em();
  const row = await findUser(em, 'id = ?', userId);
  if (!row) return { ok: false, reason: 'invalid' };
  const email = normalise(row.email);
  if (await locked(em, email)) return { ok: false, reason: 'locked' };
  const step = row.mfaSecret ? matchTotp(row.mfaSecret, code.trim()) : undefined;
  // RFC 6238 §5.2: a code is accepted once; the same code again is a failure.
  const fresh =
    step !== undefined &&
    (
      await em.execute(
        `insert into smart_totp_steps (user_id, step) values (?, ?) on conflict do nothing returning step`,
        [userId, step],
      )
    ).length === 1;
  if (!fresh) {
    await recordFailure(ctx, email);
    return { ok: false, reason: (await locked(em, email)) ? 'locked' : 'invalid' };
  }
  await em.execute(`delete from smart_totp_steps where user_id = ? and used_at < now() - interval '5 minutes'`, [
    userId,
  ]);
  await em.execute('delete from smart_login_failures where email = ?', [email]);
  return { ok: true, user: toUser(row) };
}

export async function recordLogin(em: EntityManager, userId: string): Promise<void> {
  await em.execute(`update users set "lastLoginAt" = now() at time zone 'utc' where id = ?`, [userId]);
}

/** Sets a new password for the holder of a valid reset token; false when the token is not valid. */
export async function resetPassword(em: EntityManager, token: string, password: string): Promise<boolean> {
  const hash = await bcrypt.hash(password, 10);
  const rows = await em.execute<{ email: string }[]>(
    `update users set password = ?, "resetPasswordToken" = null, "resetPasswordExpires" = null,
            "updatedAt" = now() at time zone 'utc'
      where "resetPasswordToken" = ? and "resetPasswordExpires" > now() at time zone 'utc'
        and "deletedAt" is null returning email`,
    [hash, sha256(token)],
  );
  if (rows.length === 0) return false;
  await em.execute('delete from smart_login_failures where email = ?', [normalise(rows[0]!.email)]);
  return true;
}

export interface UserIdentity {
  staff: boolean;
  patientId?: string;
  practitionerId?: string;
}

export async function identityOf(em: EntityManager, user: SignedInUser): Promise<UserIdentity> {
  const [row] = await em.execute<{ patient: string | null; doctor: string | null }[]>(
    `select (select id from patients where "userId" = ? and "deletedAt" is null) as patient,
            (select id from doctors where "userId" = ? and "deletedAt" is null) as doctor`,
    [user.id, user.id],
  );
  return {
    staff: isStaff(user.roles),
    patientId: row?.patient ?? undefined,
    practitionerId: row?.doctor ?? undefined,
  };
}
