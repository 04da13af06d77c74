// SMART App Launch 2.2 (app-launch.html): standalone and EHR launch through the sign-in pages,
// authorization code with PKCE (RFC 7636), a public and a confidential symmetric client, refresh
// tokens rotated and their families revoked on reuse (RFC 6749 §6, §10.4), the id_token.
import { expect } from 'chai';
import * as jose from 'jose';
import { startTestServer, type TestServer } from '../../support/server.js';
import { addClient, authBase, basic, bearer, postForm } from '../../support/smart.js';
import {
  adminToken,
  Browser,
  createUser,
  csrfOf,
  exchange,
  PASSWORD,
  pkce,
  signIn,
  type TestUser,
} from '../../support/smart-login.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const SCOPES = 'openid fhirUser launch launch/patient offline_access online_access patient/*.cruds user/*.cruds';

describe('auth › App Launch (app-launch.html)', function () {
  let server: TestServer;
  let patient: TestUser;
  let other: TestUser;
  let doctor: TestUser;
  let secret: string;

  before(async () => {
    server = await startTestServer({ AUTH_MODE: 'smart' });
    await addClient(server, {
      clientId: 'public-app',
      name: 'Public App',
      kind: 'public',
      redirectUris: [REDIRECT],
      scope: SCOPES,
    });
    secret = (
      await addClient(server, {
        clientId: 'clinic-app',
        name: 'Clinic App',
        kind: 'confidential-symmetric',
        redirectUris: [REDIRECT],
        scope: SCOPES,
      })
    ).clientSecret!;
    const admin = await adminToken(server);
    patient = await createUser(server, admin, 'Patient');
    other = await createUser(server, admin, 'Patient');
    doctor = await createUser(server, admin, 'Practitioner');
  });
  after(() => server?.stop());

  async function publicCode(scope = 'openid fhirUser launch/patient patient/Patient.rs offline_access') {
    const { verifier, challenge } = pkce();
    const url = await signIn(server, {
      clientId: 'public-app',
      redirectUri: REDIRECT,
      scope,
      email: patient.email,
      password: PASSWORD,
      challenge,
      state: 'abc',
    });
    return { url, verifier, code: url.searchParams.get('code')! };
  }

  describe('standalone launch by a patient with a public client and PKCE', () => {
    it('redirects back with a code and the same state, and the code gives the patient context', async () => {
      const { url, verifier, code } = await publicCode();
      expect(url.origin + url.pathname).to.equal(REDIRECT);
      expect(url.searchParams.get('state')).to.equal('abc');
      const res = await exchange(server, {
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
        client_id: 'public-app',
      });
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.include({ token_type: 'Bearer', patient: patient.id, need_patient_banner: true });
      expect(res.body.scope.split(' ')).to.have.members([
        'openid',
        'fhirUser',
        'launch/patient',
        'patient/Patient.rs',
        'offline_access',
      ]);
      expect(res.body.refresh_token).to.be.a('string');
      const jwks = jose.createLocalJWKSet(
        (await (await fetch(`${authBase(server)}/jwks`)).json()) as jose.JSONWebKeySet,
      );
      const { payload } = await jose.jwtVerify(res.body.id_token, jwks, {
        issuer: server.config.auth.issuer,
        audience: 'public-app',
      });
      expect(payload.fhirUser).to.equal(`${server.config.fhirBaseUrl}/Patient/${patient.id}`);
      const read = await server.call('GET', `/Patient/${patient.id}`, { headers: bearer(res.body.access_token) });
      expect(read.status).to.equal(200);
      const { rows } = await server.sql.query(
        `select "lastLoginAt" > (now() at time zone 'utc') - interval '2 minutes' as recent from users where id = $1`,
        [patient.userId],
      );
      expect(rows[0].recent).to.equal(true);
    });

    it('refuses a missing or wrong code_verifier, and a public client without PKCE', async () => {
      const first = await publicCode();
      const missing = await exchange(server, { code: first.code, redirect_uri: REDIRECT, client_id: 'public-app' });
      expect(missing.status).to.equal(400);
      expect(missing.body.error).to.equal('invalid_grant');
      const second = await publicCode();
      const wrong = await exchange(server, {
        code: second.code,
        code_verifier: pkce().verifier,
        redirect_uri: REDIRECT,
        client_id: 'public-app',
      });
      expect(wrong.body.error).to.equal('invalid_grant');
      const browser = new Browser(authBase(server));
      const res = await browser.get(
        `authorize?${new URLSearchParams({ response_type: 'code', client_id: 'public-app', redirect_uri: REDIRECT, scope: 'openid', state: 's', aud: server.config.fhirBaseUrl })}`,
      );
      expect(res.status).to.equal(303);
      const back = new URL(res.location!);
      expect(back.searchParams.get('error')).to.equal('invalid_request');
      expect(back.searchParams.get('state')).to.equal('s');
    });

    it('refuses a reused code and revokes the refresh token issued from it (RFC 6749 §4.1.2)', async () => {
      const { code, verifier } = await publicCode();
      const form = { code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: 'public-app' };
      const first = await exchange(server, form);
      expect(first.status).to.equal(200);
      const again = await exchange(server, form);
      expect(again.body.error).to.equal('invalid_grant');
      const refresh = await postForm(`${authBase(server)}/token`, {
        grant_type: 'refresh_token',
        refresh_token: first.body.refresh_token,
        client_id: 'public-app',
      });
      expect(refresh.body.error).to.equal('invalid_grant');
    });

    it('refuses a redirect_uri at the token endpoint other than the authorization request`s', async () => {
      const { code, verifier } = await publicCode();
      const res = await exchange(server, {
        code,
        code_verifier: verifier,
        redirect_uri: 'http://127.0.0.1:9/other',
        client_id: 'public-app',
      });
      expect(res.body.error).to.equal('invalid_grant');
    });

    it('shows a page, and never redirects, for an unregistered redirect_uri or unknown client', async () => {
      const browser = new Browser(authBase(server));
      for (const q of [
        { client_id: 'public-app', redirect_uri: 'https://evil.example/cb' },
        { client_id: 'nobody', redirect_uri: REDIRECT },
      ]) {
        const res = await browser.get(
          `authorize?${new URLSearchParams({ response_type: 'code', scope: 'openid', state: 's', aud: server.config.fhirBaseUrl, ...q })}`,
        );
        expect(res.status).to.equal(400);
        expect(res.location).to.equal(undefined);
        expect(res.headers.get('content-type')).to.match(/text\/html/);
      }
    });

    it('refuses a wrong aud by redirecting with invalid_request', async () => {
      const browser = new Browser(authBase(server));
      const res = await browser.get(
        `authorize?${new URLSearchParams({ response_type: 'code', client_id: 'public-app', redirect_uri: REDIRECT, scope: 'openid', state: 's', aud: 'https://other.example/fhir', code_challenge: pkce().challenge, code_challenge_method: 'S256' })}`,
      );
      expect(new URL(res.location!).searchParams.get('error')).to.equal('invalid_request');
    });
  });

  describe('refresh tokens (RFC 6749 §6)', () => {
    it('rotates on use; a reused refresh token revokes the whole family', async () => {
      const { code, verifier } = await publicCode();
      const tokens = await exchange(server, {
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
        client_id: 'public-app',
      });
      const refresh = (token: string) =>
        postForm(`${authBase(server)}/token`, {
          grant_type: 'refresh_token',
          refresh_token: token,
          client_id: 'public-app',
        });
      const second = await refresh(tokens.body.refresh_token);
      expect(second.status, second.text).to.equal(200);
      expect(second.body.refresh_token).to.be.a('string').and.not.equal(tokens.body.refresh_token);
      expect(second.body.patient).to.equal(patient.id);
      const reuse = await refresh(tokens.body.refresh_token);
      expect(reuse.body.error).to.equal('invalid_grant');
      const revoked = await refresh(second.body.refresh_token);
      expect(revoked.body.error).to.equal('invalid_grant');
    });

    it('may narrow the scope but never widen it', async () => {
      const { code, verifier } = await publicCode();
      const tokens = await exchange(server, {
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
        client_id: 'public-app',
      });
      const wider = await postForm(`${authBase(server)}/token`, {
        grant_type: 'refresh_token',
        refresh_token: tokens.body.refresh_token,
        client_id: 'public-app',
        scope: 'patient/Patient.cruds offline_access',
      });
      expect(wider.body.error).to.equal('invalid_scope');
    });

    it('is revoked by the revocation endpoint (RFC 7009)', async () => {
      const { code, verifier } = await publicCode();
      const tokens = await exchange(server, {
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
        client_id: 'public-app',
      });
      const res = await postForm(`${authBase(server)}/revoke`, {
        token: tokens.body.refresh_token,
        client_id: 'public-app',
      });
      expect(res.status).to.equal(200);
      const refresh = await postForm(`${authBase(server)}/token`, {
        grant_type: 'refresh_token',
        refresh_token: tokens.body.refresh_token,
        client_id: 'public-app',
      });
      expect(refresh.body.error).to.equal('invalid_grant');
    });
  });

  describe('a practitioner with a confidential symmetric client', () => {
    it('picks a patient on the picker page and the token carries that patient', async () => {
      const url = await signIn(server, {
        clientId: 'clinic-app',
        redirectUri: REDIRECT,
        scope: 'openid fhirUser launch/patient patient/Patient.rs',
        email: doctor.email,
        password: PASSWORD,
        patient: other.id,
      });
      const res = await exchange(
        server,
        { code: url.searchParams.get('code')!, redirect_uri: REDIRECT },
        { authorization: basic('clinic-app', secret) },
      );
      expect(res.status, res.text).to.equal(200);
      expect(res.body.patient).to.equal(other.id);
      expect(res.body.id_token).to.be.a('string');
      expect(jose.decodeJwt(res.body.id_token).fhirUser).to.equal(
        `${server.config.fhirBaseUrl}/Practitioner/${doctor.id}`,
      );
    });

    it('refuses the code without the client secret or with a wrong one', async () => {
      const url = await signIn(server, {
        clientId: 'clinic-app',
        redirectUri: REDIRECT,
        scope: 'openid',
        email: doctor.email,
        password: PASSWORD,
      });
      const code = url.searchParams.get('code')!;
      expect((await exchange(server, { code, redirect_uri: REDIRECT, client_id: 'clinic-app' })).body.error).to.equal(
        'invalid_client',
      );
      const wrong = await exchange(
        server,
        { code, redirect_uri: REDIRECT },
        { authorization: basic('clinic-app', 'nope') },
      );
      expect(wrong.status).to.equal(401);
    });

    it('EHR launch: a launch value from /auth/launch sets the patient without a picker', async () => {
      const first = await signIn(server, {
        clientId: 'clinic-app',
        redirectUri: REDIRECT,
        scope: 'user/*.cruds',
        email: doctor.email,
        password: PASSWORD,
      });
      const staff = await exchange(
        server,
        { code: first.searchParams.get('code')!, redirect_uri: REDIRECT },
        { authorization: basic('clinic-app', secret) },
      );
      const launch = await postForm(
        `${authBase(server)}/launch`,
        { patient: patient.id },
        bearer(staff.body.access_token),
      );
      expect(launch.status, launch.text).to.equal(200);
      const url = await signIn(server, {
        clientId: 'clinic-app',
        redirectUri: REDIRECT,
        scope: 'launch patient/Patient.rs',
        email: doctor.email,
        password: PASSWORD,
        launch: launch.body.launch,
      });
      const res = await exchange(
        server,
        { code: url.searchParams.get('code')!, redirect_uri: REDIRECT },
        { authorization: basic('clinic-app', secret) },
      );
      expect(res.body.patient).to.equal(patient.id);
      const bad = await new Browser(authBase(server)).get(
        `authorize?${new URLSearchParams({ response_type: 'code', client_id: 'clinic-app', redirect_uri: REDIRECT, scope: 'launch', state: 's', aud: server.config.fhirBaseUrl, launch: 'forged' })}`,
      );
      expect(new URL(bad.location!).searchParams.get('error')).to.equal('invalid_request');
    });

    it('a patient token may not create launches', async () => {
      const { code, verifier } = await publicCode();
      const tokens = await exchange(server, {
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
        client_id: 'public-app',
      });
      const res = await postForm(`${authBase(server)}/launch`, { patient: other.id }, bearer(tokens.body.access_token));
      expect(res.status).to.equal(403);
      expect(res.body.error).to.equal('access_denied');
    });
  });

  describe('consent', () => {
    it('an unticked scope is not granted; denying redirects with access_denied', async () => {
      const { challenge, verifier } = pkce();
      const url = await signIn(server, {
        clientId: 'public-app',
        redirectUri: REDIRECT,
        scope: 'launch/patient patient/Patient.rs offline_access',
        email: patient.email,
        password: PASSWORD,
        challenge,
        untick: ['offline_access'],
      });
      const res = await exchange(server, {
        code: url.searchParams.get('code')!,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
        client_id: 'public-app',
      });
      expect(res.body.scope).to.not.include('offline_access');
      expect(res.body).to.not.have.property('refresh_token');
      const denied = await signIn(server, {
        clientId: 'public-app',
        redirectUri: REDIRECT,
        scope: 'patient/Patient.rs',
        email: patient.email,
        password: PASSWORD,
        challenge,
        deny: true,
        state: 'd1',
      });
      expect(denied.searchParams.get('error')).to.equal('access_denied');
      expect(denied.searchParams.get('state')).to.equal('d1');
    });

    it('a post without the right CSRF token is refused with a page', async () => {
      const browser = new Browser(authBase(server));
      const start = await browser.get(
        `authorize?${new URLSearchParams({ response_type: 'code', client_id: 'public-app', redirect_uri: REDIRECT, scope: 'openid', state: 's', aud: server.config.fhirBaseUrl, code_challenge: pkce().challenge, code_challenge_method: 'S256' })}`,
      );
      expect(start.location).to.equal('login');
      const page = await browser.get('login');
      expect(page.headers.get('content-security-policy')).to.match(/default-src 'none'/);
      expect(page.html).to.not.match(/<script/i);
      expect(csrfOf(page.html)).to.have.length.greaterThan(20);
      const res = await browser.post('login', [
        ['csrf', 'forged'],
        ['email', patient.email],
        ['password', PASSWORD],
      ]);
      expect(res.status).to.equal(403);
    });
  });
});
