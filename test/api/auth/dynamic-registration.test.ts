// RFC 7591 dynamic client registration, on only by configuration: a registered app can launch at
// once; system/ scopes and unsafe redirect URIs are refused; with the switch off, 403.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { authBase } from '../../support/smart.js';
import { adminToken, createUser, exchange, PASSWORD, pkce, signIn } from '../../support/smart-login.js';

const register = (server: TestServer, body: unknown) =>
  fetch(`${authBase(server)}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));

describe('auth › dynamic client registration (RFC 7591)', function () {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ AUTH_MODE: 'smart', AUTH_DYNAMIC_REGISTRATION: 'true' });
  });
  after(() => server?.stop());

  it('registers a public app that can then complete a launch', async () => {
    const redirect = 'http://127.0.0.1:9/dyn';
    const res = await register(server, {
      client_name: 'Self-registered',
      redirect_uris: [redirect],
      token_endpoint_auth_method: 'none',
      scope: 'launch/patient patient/Patient.rs',
    });
    expect(res.status).to.equal(201);
    expect(res.body).to.not.have.property('client_secret');
    const doc = (await (await fetch(`${server.url}/fhir/.well-known/smart-configuration`)).json()) as any;
    expect(doc.registration_endpoint).to.equal(`${server.config.auth.issuer}/register`);
    const user = await createUser(server, await adminToken(server), 'Patient');
    const { challenge, verifier } = pkce();
    const url = await signIn(server, {
      clientId: res.body.client_id,
      redirectUri: redirect,
      scope: 'launch/patient patient/Patient.rs',
      email: user.email,
      password: PASSWORD,
      challenge,
    });
    const tokens = await exchange(server, {
      code: url.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: redirect,
      client_id: res.body.client_id,
    });
    expect(tokens.body.patient).to.equal(user.id);
  });

  it('gives a confidential client its secret once', async () => {
    const res = await register(server, {
      redirect_uris: ['https://app.example.org/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(res.status).to.equal(201);
    expect(res.body.client_secret).to.be.a('string');
    const { rows } = await server.sql.query('select secret_hash from smart_clients where client_id = $1', [
      res.body.client_id,
    ]);
    expect(rows[0].secret_hash).to.not.equal(res.body.client_secret);
  });

  it('refuses system/ scopes, plain-http redirect URIs off loopback, and malformed metadata', async () => {
    expect(
      (await register(server, { redirect_uris: ['https://a.example/cb'], scope: 'system/*.rs' })).body.error,
    ).to.equal('invalid_scope');
    expect((await register(server, { redirect_uris: ['http://a.example/cb'] })).status).to.equal(400);
    expect((await register(server, { redirect_uris: [] })).status).to.equal(400);
    expect((await register(server, [1, 2])).status).to.equal(400);
    expect(
      (await register(server, { redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'magic' })).status,
    ).to.equal(400);
  });

  it('is refused with 403 when AUTH_DYNAMIC_REGISTRATION is off', async () => {
    const closed = await startTestServer({ AUTH_MODE: 'smart' });
    try {
      const res = await register(closed, { redirect_uris: ['https://a.example/cb'] });
      expect(res.status).to.equal(403);
      expect(res.body.error).to.equal('access_denied');
    } finally {
      await closed.stop();
    }
  });
});
