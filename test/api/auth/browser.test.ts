// The sign-in pages in a real browser (Debian's Chromium driven by playwright-core): a standalone
// launch from /authorize through login and consent to the app's redirect_uri, with JavaScript
// turned off (the pages need none) and no CSP violation; then the code is exchanged with PKCE.
// And the official SMART JavaScript client (fhirclient) in a test app page, end to end.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { chromium, type Browser } from 'playwright-core';
import { freePort } from '../../support/process.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { addClient, authBase, bearer, postForm } from '../../support/smart.js';
import { adminToken, createUser, exchange, PASSWORD, pkce, signIn, type TestUser } from '../../support/smart-login.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const fhirClientBundle = createRequire(import.meta.url).resolve('fhirclient/build/fhir-client.js');
// The test app: fhirclient's own launch and ready() flow, as a SMART app would use it.
const APP_PAGES: Record<string, { type: string; body: (fhirBase: string) => string }> = {
  '/fhir-client.js': { type: 'text/javascript', body: () => fs.readFileSync(fhirClientBundle, 'utf8') },
  '/launch.html': {
    type: 'text/html',
    body: (fhirBase) => `<!doctype html><title>launching</title><script src="/fhir-client.js"></script>
<script>FHIR.oauth2.authorize({ clientId: 'fhirclient-app', scope: 'openid fhirUser launch/patient patient/Patient.rs',
  redirectUri: '/app.html', iss: ${JSON.stringify(fhirBase)}, pkceMode: 'required' });</script>`,
  },
  '/app.html': {
    type: 'text/html',
    body: () => `<!doctype html><title>waiting</title><script src="/fhir-client.js"></script>
<script>FHIR.oauth2.ready()
  .then((client) => client.request('Patient/' + client.patient.id).then((p) => {
    document.body.dataset.result = JSON.stringify({ id: p.id, patient: client.patient.id, user: client.user.fhirUser });
    document.title = 'done';
  }))
  .catch((e) => { document.title = 'error: ' + e.message; });</script>`,
  },
};

describe('auth › sign-in pages in Chromium', function () {
  let server: TestServer;
  let browser: Browser;
  let callback: http.Server;
  let redirectUri: string;
  let appOrigin: string;
  let user: TestUser;
  let doctor: TestUser;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      console.warn(`    skipped: ${CHROMIUM} not found (apt-get install -y chromium; .ci/run installs it)`);
      return this.skip();
    }
    const port = await freePort();
    const fhirBase = `http://127.0.0.1:${port}/fhir`;
    callback = http.createServer((req, res) => {
      const page = APP_PAGES[new URL(req.url!, 'http://x').pathname];
      if (page) return void res.writeHead(200, { 'content-type': page.type }).end(page.body(fhirBase));
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p>app</p>');
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    appOrigin = `http://127.0.0.1:${(callback.address() as AddressInfo).port}`;
    redirectUri = `${appOrigin}/callback`;
    server = await startTestServer({
      AUTH_MODE: 'smart',
      PORT: String(port),
      FHIR_BASE_URL: fhirBase,
      CORS_ORIGINS: appOrigin,
    });
    await addClient(server, {
      clientId: 'fhirclient-app',
      name: 'fhirclient test app',
      kind: 'public',
      redirectUris: [`${appOrigin}/app.html`],
      scope: 'openid fhirUser launch launch/patient patient/*.rs user/*.rs',
    });
    await addClient(server, {
      clientId: 'browser-app',
      name: 'Browser App',
      kind: 'public',
      redirectUris: [redirectUri],
      scope: 'openid fhirUser launch/patient patient/*.rs offline_access',
    });
    const admin = await adminToken(server);
    user = await createUser(server, admin, 'Patient');
    doctor = await createUser(server, admin, 'Practitioner');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    callback?.close();
  });

  function authorizeUrl(challenge: string, scope: string) {
    return `${authBase(server)}/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: 'browser-app',
      redirect_uri: redirectUri,
      scope,
      state: 'browser-state',
      aud: server.config.fhirBaseUrl,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })}`;
  }

  it('a patient signs in and consents without JavaScript, and the app gets a working code', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => /Content Security Policy|Refused to/.test(m.text()) && problems.push(m.text()));
    const { challenge, verifier } = pkce();
    await page.goto(authorizeUrl(challenge, 'openid fhirUser launch/patient patient/*.rs offline_access'));
    expect(await page.title()).to.equal('Sign in');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(await page.getByRole('alert').textContent()).to.match(/not right/);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/consent$/);
    expect(await page.title()).to.equal('Allow access?');
    const boxes = page.getByRole('checkbox');
    expect(await boxes.count()).to.equal(5);
    await page.getByRole('checkbox', { name: /Keep access when you are not using it/ }).uncheck();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(redirectUri));
    const url = new URL(page.url());
    expect(url.searchParams.get('state')).to.equal('browser-state');
    expect(problems, problems.join('\n')).to.deep.equal([]);
    await context.close();

    const tokens = await exchange(server, {
      code: url.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: redirectUri,
      client_id: 'browser-app',
    });
    expect(tokens.status, tokens.text).to.equal(200);
    expect(tokens.body.patient).to.equal(user.id);
    expect(tokens.body.scope).to.not.include('offline_access');
    const read = await server.call('GET', `/Patient/${user.id}`, { headers: bearer(tokens.body.access_token) });
    expect(read.status).to.equal(200);
  });

  it('the official SMART JavaScript client (fhirclient) launches standalone and reads the patient', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${appOrigin}/launch.html`);
    await page.waitForURL(/\/login$/);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/consent$/);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForFunction("document.title !== 'waiting'", undefined, { timeout: 20000 });
    expect(await page.title()).to.equal('done');
    const result = JSON.parse((await page.locator('body').getAttribute('data-result'))!);
    expect(result).to.deep.equal({
      id: user.id,
      patient: user.id,
      user: `Patient/${user.id}`, // fhirclient's client.user.fhirUser is relative
    });
    await context.close();
  });

  it('EHR launch: fhirclient opened with iss and launch from our /auth/launch gets that patient', async () => {
    const ehr = await backendLikeStaffToken();
    const launch = await postForm(`${authBase(server)}/launch`, { patient: user.id }, bearer(ehr));
    expect(launch.status, launch.text).to.equal(200);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(
      `${appOrigin}/launch.html?${new URLSearchParams({ iss: server.config.fhirBaseUrl, launch: launch.body.launch })}`,
    );
    await page.waitForURL(/\/login$/);
    await page.getByLabel('Email').fill(doctor.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/consent$/);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForFunction("document.title !== 'waiting'", undefined, { timeout: 20000 });
    expect(await page.title()).to.equal('done');
    const result = JSON.parse((await page.locator('body').getAttribute('data-result'))!);
    expect(result.patient).to.equal(user.id);
    expect(result.user).to.equal(`Practitioner/${doctor.id}`);
    await context.close();
  });

  /** A staff user's token (user/ scopes), as an EHR holds one, to ask for a launch. */
  async function backendLikeStaffToken(): Promise<string> {
    const { challenge, verifier } = pkce();
    const url = await signIn(server, {
      clientId: 'fhirclient-app',
      redirectUri: `${appOrigin}/app.html`,
      scope: 'user/*.rs',
      email: doctor.email,
      password: PASSWORD,
      challenge,
    });
    const res = await exchange(server, {
      code: url.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: `${appOrigin}/app.html`,
      client_id: 'fhirclient-app',
    });
    return res.body.access_token;
  }

  it('a practitioner picks a patient on the picker page (with JavaScript on: no CSP violation either)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => /Content Security Policy|Refused to/.test(m.text()) && problems.push(m.text()));
    const { challenge } = pkce();
    await page.goto(authorizeUrl(challenge, 'launch/patient patient/*.rs'));
    await page.getByLabel('Email').fill(doctor.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/patient$/);
    const family = (
      await server.sql.query(`select u."lastName" from patients p join users u on u.id = p."userId" where p.id = $1`, [
        user.id,
      ])
    ).rows[0].lastName;
    await page.getByLabel('Find by name or number').fill(family);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('radio').first().check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/consent$/);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((url) => url.href.startsWith(redirectUri));
    expect(new URL(page.url()).searchParams.get('error')).to.equal('access_denied');
    expect(problems, problems.join('\n')).to.deep.equal([]);
    await context.close();
  });
});
