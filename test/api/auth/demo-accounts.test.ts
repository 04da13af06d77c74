// The demo accounts of a freshly seeded server (issue 7 §10): DATA_DIR/demo.json names a patient
// user, a practitioner, the admin, a SMART app and a Backend Services client whose key works.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import * as jose from 'jose';
import { startTestServer, type TestServer } from '../../support/server.js';
import { assertion, ASSERTION_TYPE, authBase, bearer, postForm } from '../../support/smart.js';
import { exchange, pkce, signIn } from '../../support/smart-login.js';

describe('auth › demo accounts of a seeded server', function () {
  let server: TestServer;
  let demo: any;

  before(async () => {
    server = await startTestServer({ AUTH_MODE: 'smart', SEED_DEMO: 'true', SEED_DEMO_PATIENTS: '3' });
    demo = JSON.parse(fs.readFileSync(path.join(server.config.dataDir, 'demo.json'), 'utf8'));
  });
  after(() => server?.stop());

  it('writes demo.json with the documented shape, readable by its owner only', () => {
    expect(demo).to.have.keys('patientUser', 'practitionerUser', 'adminUser', 'app', 'backendClient');
    expect(demo.patientUser).to.have.keys('email', 'password', 'patientId');
    expect(demo.app).to.have.keys('client_id', 'redirect_uri');
    expect(demo.backendClient.private_jwk).to.have.property('d');
    expect(fs.statSync(path.join(server.config.dataDir, 'demo.json')).mode & 0o077).to.equal(0);
  });

  it('the demo patient signs in to the demo app and reads their own record', async () => {
    const { challenge, verifier } = pkce();
    const url = await signIn(server, {
      clientId: demo.app.client_id,
      redirectUri: demo.app.redirect_uri,
      scope: 'openid fhirUser launch/patient patient/*.rs',
      email: demo.patientUser.email,
      password: demo.patientUser.password,
      challenge,
    });
    const tokens = await exchange(server, {
      code: url.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: demo.app.redirect_uri,
      client_id: demo.app.client_id,
    });
    expect(tokens.body.patient).to.equal(demo.patientUser.patientId);
    const res = await server.call('GET', '/Patient', { headers: bearer(tokens.body.access_token) });
    expect(res.body.total).to.equal(1);
  });

  it('the demo backend client gets a system token with its private JWK', async () => {
    const key = {
      alg: 'ES384' as const,
      kid: demo.backendClient.private_jwk.kid,
      privateKey: (await jose.importJWK(demo.backendClient.private_jwk, 'ES384')) as jose.CryptoKey,
      publicJwk: {},
    };
    const res = await postForm(`${authBase(server)}/token`, {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await assertion(key, demo.backendClient.client_id, `${server.config.auth.issuer}/token`),
    });
    expect(res.status, res.text).to.equal(200);
    const all = await server.call('GET', '/Patient?_summary=count', { headers: bearer(res.body.access_token) });
    expect(all.body.total).to.equal(3);
  });
});
