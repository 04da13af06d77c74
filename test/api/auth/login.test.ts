// Sign-in over `users` (D8): bcrypt hashes as the hospital's application writes them, status
// gating, the TOTP second factor (RFC 6238, with its published test vectors), the lockout after
// repeated failures, and password reset through resetPasswordToken/resetPasswordExpires.
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import bcrypt from 'bcryptjs';
import { hotp, totp } from '../../../src/auth/totp.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { addClient, authBase } from '../../support/smart.js';
import {
  adminToken,
  Browser,
  createUser,
  csrfOf,
  PASSWORD,
  pkce,
  signIn,
  type TestUser,
} from '../../support/smart-login.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
// base32 of the RFC 6238 Appendix B SHA-1 secret "12345678901234567890"
const RFC_SECRET_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('auth › sign-in over users', function () {
  let server: TestServer;
  let admin: string;

  before(async () => {
    server = await startTestServer({ AUTH_MODE: 'smart', AUTH_LOCKOUT_FAILURES: '3', AUTH_LOCKOUT_MINUTES: '5' });
    await addClient(server, {
      clientId: 'app',
      name: 'App',
      kind: 'public',
      redirectUris: [REDIRECT],
      scope: 'openid fhirUser',
    });
    admin = await adminToken(server);
  });
  after(() => server?.stop());

  const start = async () => {
    const browser = new Browser(authBase(server));
    const res = await browser.get(
      `authorize?${new URLSearchParams({ response_type: 'code', client_id: 'app', redirect_uri: REDIRECT, scope: 'openid', state: 's', aud: server.config.fhirBaseUrl, code_challenge: pkce().challenge, code_challenge_method: 'S256' })}`,
    );
    expect(res.location).to.equal('login');
    return browser;
  };
  const tryLogin = async (email: string, password: string) => {
    const browser = await start();
    const page = await browser.get('login');
    return browser.post('login', [
      ['csrf', csrfOf(page.html)],
      ['email', email],
      ['password', password],
    ]);
  };

  it('TOTP matches the RFC 6238 Appendix B test vectors (SHA-1, 8 digits truncated to 6)', () => {
    const secret = Buffer.from('12345678901234567890');
    // RFC 6238: T=59 → 94287082, T=1111111109 → 07081804, T=2000000000 → 69279037 (last six digits)
    expect(totp(secret, 59_000)).to.equal('287082');
    expect(totp(secret, 1111111109_000)).to.equal('081804');
    expect(totp(secret, 2000000000_000)).to.equal('279037');
    expect(hotp(secret, 1)).to.equal('287082');
  });

  it('accepts $2a$ and $2y$ bcrypt hashes as other applications write them', async () => {
    const user = await createUser(server, admin, 'Patient');
    const hash2a = (await bcrypt.hash(PASSWORD, 8)).replace(/^\$2b\$/, '$2a$');
    await server.sql.query('update users set password = $1 where id = $2', [hash2a, user.userId]);
    expect((await tryLogin(user.email, PASSWORD)).location).to.equal('consent');
    await server.sql.query('update users set password = $1 where id = $2', [
      hash2a.replace(/^\$2a\$/, '$2y$'),
      user.userId,
    ]);
    expect((await tryLogin(user.email.toUpperCase(), PASSWORD)).location).to.equal('consent');
  });

  it('refuses a wrong password, an unknown email, and users whose status is not active', async () => {
    const user = await createUser(server, admin, 'Patient');
    expect((await tryLogin(user.email, 'wrong password')).status).to.equal(401);
    expect((await tryLogin('nobody@example.org', PASSWORD)).status).to.equal(401);
    for (const status of ['inactive', 'pending_verification', 'suspended']) {
      await server.sql.query('update users set status = $1 where id = $2', [status, user.userId]);
      const res = await tryLogin(user.email, PASSWORD);
      expect(res.status, status).to.equal(401);
      expect(res.html).to.match(/not active/);
    }
  });

  it('asks for the TOTP code when mfaEnabled, refuses a wrong one and accepts the current one', async () => {
    const user = await createUser(server, admin, 'Patient');
    await server.sql.query(`update users set "mfaEnabled" = true, "mfaSecret" = $1 where id = $2`, [
      RFC_SECRET_BASE32,
      user.userId,
    ]);
    const browser = await start();
    const login = await browser.get('login');
    const afterPassword = await browser.post('login', [
      ['csrf', csrfOf(login.html)],
      ['email', user.email],
      ['password', PASSWORD],
    ]);
    expect(afterPassword.location).to.equal('mfa');
    const mfa = await browser.get('mfa');
    expect(mfa.html).to.match(/autocomplete="one-time-code"/);
    const good = totp(Buffer.from('12345678901234567890'));
    const wrong = String((Number(good) + 500000) % 1000000).padStart(6, '0');
    expect(
      (
        await browser.post('mfa', [
          ['csrf', csrfOf(mfa.html)],
          ['code', wrong],
        ])
      ).status,
    ).to.equal(401);
    const ok = await browser.post('mfa', [
      ['csrf', csrfOf(mfa.html)],
      ['code', good],
    ]);
    expect(ok.location).to.equal('consent');
    // RFC 6238 §5.2: the same code is not accepted twice
    const replay = await start();
    const again = await replay.get('login');
    await replay.post('login', [
      ['csrf', csrfOf(again.html)],
      ['email', user.email],
      ['password', PASSWORD],
    ]);
    const second = await replay.get('mfa');
    expect(
      (
        await replay.post('mfa', [
          ['csrf', csrfOf(second.html)],
          ['code', good],
        ])
      ).status,
    ).to.equal(401);
    // the consent page cannot be reached by skipping the second factor
    const skip = await start();
    const page = await skip.get('login');
    await skip.post('login', [
      ['csrf', csrfOf(page.html)],
      ['email', user.email],
      ['password', PASSWORD],
    ]);
    expect((await skip.get('consent')).location).to.equal('mfa');
  });

  it('locks the account after AUTH_LOCKOUT_FAILURES failures: even the right password is refused', async () => {
    const user = await createUser(server, admin, 'Patient');
    for (let i = 0; i < 3; i++) await tryLogin(user.email, `wrong ${i}`);
    const res = await tryLogin(user.email, PASSWORD);
    expect(res.status).to.equal(429);
    expect(res.html).to.match(/locked/);
    const { rows } = await server.sql.query(
      'select locked_until > now() as locked from smart_login_failures where email = $1',
      [user.email.toLowerCase()],
    );
    expect(rows[0].locked).to.equal(true);
    await server.sql.query(
      `update smart_login_failures set locked_until = now() - interval '1 second' where email = $1`,
      [user.email.toLowerCase()],
    );
    expect((await tryLogin(user.email, PASSWORD)).location).to.equal('consent');
  });

  it('resets the password with a valid reset token once, and not with an expired or used one', async () => {
    const user = await createUser(server, admin, 'Patient');
    const token = 'reset-token-from-the-hospital-app-0123456789';
    const hash = createHash('sha256').update(token).digest('hex');
    await server.sql.query(
      `update users set "resetPasswordToken" = $1, "resetPasswordExpires" = (now() at time zone 'utc') + interval '1 hour' where id = $2`,
      [hash, user.userId],
    );
    const base = authBase(server);
    const form = await fetch(`${base}/reset?token=${token}`);
    expect(form.status).to.equal(200);
    const post = (password: string, confirm = password) =>
      fetch(`${base}/reset`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, password, confirm }),
      });
    expect((await post('short')).status).to.equal(400);
    expect((await post('a new long password', 'another one entirely')).status).to.equal(400);
    expect((await post('a new long password')).status).to.equal(200);
    const { rows } = await server.sql.query(`select password, "resetPasswordToken" from users where id = $1`, [
      user.userId,
    ]);
    expect(rows[0].resetPasswordToken).to.equal(null);
    expect(await bcrypt.compare('a new long password', rows[0].password)).to.equal(true);
    expect((await tryLogin(user.email, 'a new long password')).location).to.equal('consent');
    expect((await post('yet another password')).status).to.equal(400);
    await server.sql.query(
      `update users set "resetPasswordToken" = $1, "resetPasswordExpires" = (now() at time zone 'utc') - interval '1 minute' where id = $2`,
      [hash, user.userId],
    );
    expect((await post('expired token password')).status).to.equal(400);
  });

  it('sets lastLoginAt, and a full sign-in ends at the redirect_uri with a code', async () => {
    const user: TestUser = await createUser(server, admin, 'Patient');
    await server.sql.query('update users set "lastLoginAt" = null where id = $1', [user.userId]);
    const url = await signIn(server, {
      clientId: 'app',
      redirectUri: REDIRECT,
      scope: 'openid',
      email: user.email,
      password: PASSWORD,
      challenge: pkce().challenge,
    });
    expect(url.searchParams.get('code')).to.be.a('string');
    const { rows } = await server.sql.query('select "lastLoginAt" is not null as set from users where id = $1', [
      user.userId,
    ]);
    expect(rows[0].set).to.equal(true);
  });
});
