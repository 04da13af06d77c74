// SMART Backend Services (backend-services.html): client_credentials with private_key_jwt (RS384
// and ES384 keys registered by value), every refusal of RFC 7523 §3, the bearer check of FHIR
// requests (RFC 6750 §3), introspection (RFC 7662) and revocation (RFC 7009).
import { expect } from 'chai';
import * as jose from 'jose';
import { newPatient } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import {
  addClient,
  assertion,
  ASSERTION_TYPE,
  authBase,
  backendKey,
  backendToken,
  basic,
  bearer,
  postForm,
  type BackendKey,
} from '../../support/smart.js';

describe('auth › Backend Services (backend-services.html)', function () {
  let server: TestServer;
  let rs: BackendKey;
  let es: BackendKey;
  let tokenUrl: string;
  let audience: string;
  let patientId: string;
  const lab = 'lab-system';
  const labEs = 'lab-system-es';

  before(async () => {
    server = await startTestServer({ AUTH_MODE: 'smart' });
    tokenUrl = `${authBase(server)}/token`;
    audience = `${server.config.auth.issuer}/token`;
    rs = await backendKey('RS384');
    es = await backendKey('ES384');
    await addClient(server, {
      clientId: lab,
      name: 'Lab',
      kind: 'confidential-asymmetric',
      scope: 'system/Patient.rs system/Practitioner.read',
      jwks: { keys: [rs.publicJwk as Record<string, unknown>] },
    });
    await addClient(server, {
      clientId: labEs,
      name: 'Lab ES',
      kind: 'confidential-asymmetric',
      scope: 'system/*.cruds',
      jwks: { keys: [es.publicJwk as Record<string, unknown>] },
    });
    const admin = await backendToken(server, es, labEs, 'system/Patient.cruds');
    const created = await server.call('POST', '/Patient', { body: newPatient(), headers: bearer(admin) });
    expect(created.status, created.text).to.equal(201);
    patientId = created.body.id;
  });
  after(() => server?.stop());

  const grant = async (key: BackendKey, clientId: string, scope: string, overrides = {}) =>
    postForm(tokenUrl, {
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await assertion(key, clientId, audience, overrides),
    });

  describe('discovery', () => {
    it('serves .well-known/smart-configuration with S256 only, the grants and the capabilities', async () => {
      const res = await fetch(`${server.url}/fhir/.well-known/smart-configuration`);
      expect(res.status).to.equal(200);
      const doc = (await res.json()) as any;
      expect(doc.code_challenge_methods_supported).to.deep.equal(['S256']);
      expect(doc.grant_types_supported).to.include.members([
        'authorization_code',
        'client_credentials',
        'refresh_token',
      ]);
      expect(doc.token_endpoint_auth_methods_supported).to.include('private_key_jwt');
      expect(doc.capabilities).to.include.members([
        'launch-ehr',
        'launch-standalone',
        'client-public',
        'client-confidential-symmetric',
        'client-confidential-asymmetric',
        'context-ehr-patient',
        'context-standalone-patient',
        'permission-offline',
        'permission-patient',
        'permission-user',
        'permission-v1',
        'permission-v2',
        'sso-openid-connect',
      ]);
      expect(doc.token_endpoint).to.equal(`${server.config.auth.issuer}/token`);
      expect(doc.scopes_supported).to.include('patient/Patient.rs');
    });

    it('serves the OpenID configuration and a JWKS of public keys only', async () => {
      const oidc = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as any;
      expect(oidc.issuer).to.equal(server.config.auth.issuer);
      const jwks = (await (await fetch(`${authBase(server)}/jwks`)).json()) as any;
      expect(jwks.keys).to.have.length.greaterThan(0);
      for (const key of jwks.keys) expect(key).to.not.have.any.keys('d', 'p', 'q', 'dp', 'dq', 'qi');
    });

    it('the public CapabilityStatement declares SMART security with the oauth-uris extension', async () => {
      const res = await server.call('GET', '/metadata');
      expect(res.status).to.equal(200);
      const security = res.body.rest[0].security;
      expect(security.service[0].coding[0].code).to.equal('SMART-on-FHIR');
      const uris = security.extension.find((e: any) => e.url.endsWith('/oauth-uris'));
      const token = uris.extension.find((e: any) => e.url === 'token');
      expect(token.valueUri).to.equal(`${server.config.auth.issuer}/token`);
    });
  });

  describe('client_credentials with private_key_jwt', () => {
    it('issues a Bearer token for an RS384 assertion with the granted scope', async () => {
      const res = await grant(rs, lab, 'system/Patient.rs');
      expect(res.status, res.text).to.equal(200);
      expect(res.headers.get('cache-control')).to.equal('no-store');
      expect(res.body.token_type).to.equal('Bearer');
      expect(res.body.scope).to.equal('system/Patient.rs');
      expect(res.body.expires_in).to.equal(3600);
      expect(res.body).to.not.have.property('refresh_token');
    });

    it('issues a token for an ES384 assertion', async () => {
      const res = await grant(es, labEs, 'system/Patient.rs');
      expect(res.status, res.text).to.equal(200);
    });

    it('refuses an assertion whose jti was already used (replay)', async () => {
      const jti = 'once-only';
      expect((await grant(rs, lab, 'system/Patient.rs', { jti })).status).to.equal(200);
      const again = await grant(rs, lab, 'system/Patient.rs', { jti });
      expect(again.status).to.equal(401);
      expect(again.body.error).to.equal('invalid_client');
    });

    it('refuses an expired assertion and one that lives longer than five minutes', async () => {
      const now = Math.floor(Date.now() / 1000);
      const expired = await grant(rs, lab, 'system/Patient.rs', { exp: now - 120 });
      expect(expired.body.error).to.equal('invalid_client');
      const long = await grant(rs, lab, 'system/Patient.rs', { exp: now + 3600 });
      expect(long.status).to.equal(401);
      expect(long.body.error_description).to.match(/five minutes/);
    });

    it('refuses an assertion for another audience or signed by a key the client did not register', async () => {
      const wrongAud = await grant(rs, lab, 'system/Patient.rs', { aud: 'https://elsewhere.example/token' });
      expect(wrongAud.body.error).to.equal('invalid_client');
      const stranger = await backendKey('RS384');
      const res = await grant({ ...stranger, kid: rs.kid }, lab, 'system/Patient.rs');
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('invalid_client');
    });

    it('refuses scopes the client is not registered for, and non-system scopes', async () => {
      const beyond = await grant(rs, lab, 'system/Patient.cruds');
      expect(beyond.status).to.equal(400);
      expect(beyond.body.error).to.equal('invalid_scope');
      const patient = await grant(rs, lab, 'patient/Patient.rs');
      expect(patient.body.error).to.equal('invalid_scope');
    });

    it('answers unknown grant types, missing parameters and bad bodies in the OAuth format, never 500', async () => {
      expect((await postForm(tokenUrl, { grant_type: 'password' })).body.error).to.equal('unsupported_grant_type');
      expect((await postForm(tokenUrl, {})).body.error).to.equal('invalid_request');
      const json = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{',
      });
      expect(json.status).to.equal(400);
      expect(((await json.json()) as any).error).to.equal('invalid_request');
      const garbage = await postForm(tokenUrl, {
        grant_type: 'client_credentials',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: 'not.a.jwt',
      });
      expect(garbage.status).to.equal(401);
    });
  });

  describe('bearer tokens on FHIR requests (RFC 6750 §3)', () => {
    it('answers 401 with WWW-Authenticate and an OperationOutcome when there is no token', async () => {
      const res = await server.call('GET', `/Patient/${patientId}`);
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.match(/^Bearer realm="fhir"/);
      expect(res.body.resourceType).to.equal('OperationOutcome');
    });

    it('refuses a token with alg none, one signed by another key and an expired one', async () => {
      const claims = {
        iss: server.config.auth.issuer,
        aud: server.config.fhirBaseUrl,
        scope: 'system/*.cruds',
        jti: 'x',
        client_id: lab,
      };
      const none = new jose.UnsecuredJWT(claims).setExpirationTime('5m').encode();
      const other = await jose.generateKeyPair('RS256');
      const jwks = (await (await fetch(`${authBase(server)}/jwks`)).json()) as any;
      const forged = await new jose.SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: jwks.keys[0].kid, typ: 'at+jwt' })
        .setExpirationTime('5m')
        .sign(other.privateKey);
      for (const token of [none, forged, 'garbage']) {
        const res = await server.call('GET', `/Patient/${patientId}`, { headers: bearer(token) });
        expect(res.status, token).to.equal(401);
        expect(res.headers.get('www-authenticate')).to.match(/error="invalid_token"/);
      }
      const expired = await new jose.SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: jwks.keys[0].kid, typ: 'at+jwt' })
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(other.privateKey);
      expect((await server.call('GET', '/Patient', { headers: bearer(expired) })).status).to.equal(401);
    });

    it('lets system/Patient.rs read and search but refuses writes with 403, and keeps /metadata public', async () => {
      const token = await backendToken(server, rs, lab, 'system/Patient.rs');
      expect((await server.call('GET', `/Patient/${patientId}`, { headers: bearer(token) })).status).to.equal(200);
      const search = await server.call('GET', '/Patient', { headers: bearer(token) });
      expect(search.status).to.equal(200);
      expect(search.body.total).to.be.greaterThan(0);
      const write = await server.call('POST', '/Patient', { body: newPatient(), headers: bearer(token) });
      expect(write.status).to.equal(403);
      expect(write.body.issue[0].code).to.equal('forbidden');
      expect((await server.call('GET', '/PractitionerRole', { headers: bearer(token) })).status).to.equal(403);
      expect((await server.call('GET', '/metadata')).status).to.equal(200);
    });
  });

  describe('introspection (RFC 7662) and revocation (RFC 7009)', () => {
    let secret: string;
    before(async () => {
      secret = (
        await addClient(server, { clientId: 'gateway', name: 'Gateway', kind: 'confidential-symmetric', scope: '' })
      ).clientSecret!;
    });

    it('says a live token is active with its scope and client, and a revoked one is not', async () => {
      const token = await backendToken(server, rs, lab, 'system/Patient.rs');
      const live = await postForm(
        `${authBase(server)}/introspect`,
        { token },
        { authorization: basic('gateway', secret) },
      );
      expect(live.status, live.text).to.equal(200);
      expect(live.body).to.include({ active: true, scope: 'system/Patient.rs', client_id: lab });
      const revoked = await postForm(`${authBase(server)}/revoke`, {
        token,
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: await assertion(rs, lab, audience),
      });
      expect(revoked.status, revoked.text).to.equal(200);
      const fhir = await server.call('GET', '/Patient', { headers: bearer(token) });
      expect(fhir.status).to.equal(401);
      expect(fhir.headers.get('www-authenticate')).to.match(/revoked/);
      const after = await postForm(
        `${authBase(server)}/introspect`,
        { token },
        { authorization: basic('gateway', secret) },
      );
      expect(after.body).to.deep.equal({ active: false });
    });

    it('requires client authentication, and a wrong secret is invalid_client', async () => {
      const res = await postForm(
        `${authBase(server)}/introspect`,
        { token: 'x' },
        { authorization: basic('gateway', 'wrong') },
      );
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('invalid_client');
      expect((await postForm(`${authBase(server)}/introspect`, { token: 'x' })).status).to.equal(401);
    });
  });
});
