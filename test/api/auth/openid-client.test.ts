// openid-client (a certified OpenID Connect relying party) as a confidential client of our
// server: discovery, the authorization code flow with PKCE, the id_token checked by the library
// (signature from our JWKS, iss, aud, exp), and a refresh.
import { expect } from 'chai';
import * as client from 'openid-client';
import { freePort } from '../../support/process.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { addClient, bearer } from '../../support/smart.js';
import {
  adminToken,
  Browser,
  createUser,
  csrfOf,
  PASSWORD,
  scopesOnPage,
  type TestUser,
} from '../../support/smart-login.js';

const REDIRECT = 'http://127.0.0.1:9/oidc-callback';

describe('auth › openid-client as a confidential client (OpenID Connect Core 1.0)', function () {
  let server: TestServer;
  let user: TestUser;
  let secret: string;

  before(async () => {
    const port = await freePort();
    server = await startTestServer({ AUTH_MODE: 'smart', PORT: String(port) });
    secret = (
      await addClient(server, {
        clientId: 'oidc-rp',
        name: 'OIDC RP',
        kind: 'confidential-symmetric',
        redirectUris: [REDIRECT],
        scope: 'openid fhirUser launch/patient patient/*.rs offline_access',
      })
    ).clientSecret!;
    user = await createUser(server, await adminToken(server), 'Patient');
  });
  after(() => server?.stop());

  it('discovers the issuer, runs the code flow with PKCE, validates the id_token and refreshes', async () => {
    const config = await client.discovery(new URL(server.config.auth.issuer), 'oidc-rp', secret, undefined, {
      execute: [client.allowInsecureRequests],
    });
    expect(config.serverMetadata().token_endpoint).to.equal(`${server.config.auth.issuer}/token`);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid fhirUser launch/patient patient/Patient.rs offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      aud: server.config.fhirBaseUrl,
    });
    const browser = new Browser(`${server.config.auth.issuer}`);
    let page = await browser.get(url.href);
    const login = await browser.get(page.location!);
    page = await browser.post('login', [
      ['csrf', csrfOf(login.html)],
      ['email', user.email],
      ['password', PASSWORD],
    ]);
    const consent = await browser.get(page.location!);
    page = await browser.post('consent', [
      ['csrf', csrfOf(consent.html)],
      ['decision', 'allow'],
      ...scopesOnPage(consent.html).map((s) => ['scope', s] as [string, string]),
    ]);
    const tokens = await client.authorizationCodeGrant(config, new URL(page.location!), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    const claims = tokens.claims()!;
    expect(claims.fhirUser).to.equal(`${server.config.fhirBaseUrl}/Patient/${user.id}`);
    expect(claims.nonce).to.equal(nonce);
    expect((tokens as unknown as { patient: string }).patient).to.equal(user.id);
    const read = await server.call('GET', `/Patient/${user.id}`, { headers: bearer(tokens.access_token) });
    expect(read.status).to.equal(200);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).to.be.a('string').and.not.equal(tokens.access_token);
  });
});
