// The audit trail under AUTH_MODE=smart (D8, D9): rows name the token's user, sign-ins and token
// grants are recorded, refusals for a missing token too, and the AuditEvent rule applies to real tokens.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { addClient, authBase, bearer } from '../../support/smart.js';
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
const CLIENT = 'audit-app';

describe('audit › with SMART authorization', function () {
  let server: TestServer;
  let patient: TestUser;
  let doctor: TestUser;

  before(async () => {
    server = await startTestServer({ AUTH_MODE: 'smart' });
    await addClient(server, {
      clientId: CLIENT,
      name: 'Audit app',
      kind: 'public',
      redirectUris: [REDIRECT],
      scope: 'openid fhirUser user/*.rs',
    });
    const admin = await adminToken(server);
    patient = await createUser(server, admin, 'Patient');
    doctor = await createUser(server, admin, 'Practitioner');
  });
  after(() => server?.stop());

  async function tokenOf(user: TestUser): Promise<string> {
    const { challenge, verifier } = pkce();
    const url = await signIn(server, {
      clientId: CLIENT,
      redirectUri: REDIRECT,
      scope: 'openid fhirUser user/*.rs',
      email: user.email,
      password: PASSWORD,
      challenge,
    });
    const res = await exchange(server, {
      code: url.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: CLIENT,
    });
    expect(res.status, res.text).to.equal(200);
    return res.body.access_token;
  }

  async function rowsSince(start: Date) {
    await server.audit.flush();
    const { rows } = await server.sql.query(
      `select * from audit_logs where "createdAt" >= $1::timestamptz at time zone 'UTC' order by "createdAt", action`,
      [start.toISOString()],
    );
    return rows;
  }

  it("a token's read leaves a row with the user's users.id and e-mail; the sign-in a LOGIN row, the grant a TOKEN row", async () => {
    const start = new Date(Date.now() - 1000);
    const token = await tokenOf(patient);
    const read = await server.call('GET', `/Patient/${patient.id}`, { headers: bearer(token) });
    expect(read.status, read.text).to.equal(200);
    const rows = await rowsSince(start);

    const login = rows.find((r) => r.action === 'LOGIN' && r.userId === patient.userId);
    expect(login, JSON.stringify(rows)).to.include({ userEmail: patient.email, success: true, entityType: 'system' });
    const grant = rows.find((r) => r.action === 'TOKEN' && r.userId === `client:${CLIENT}`);
    expect(grant?.success).to.equal(true);
    expect(grant?.description).to.equal(`SMART token authorization_code client ${CLIENT}`);
    const audited = rows.find((r) => r.action === 'READ' && r.entityId === patient.id);
    expect(audited, JSON.stringify(rows)).to.include({
      userId: patient.userId,
      userEmail: patient.email,
      entityType: 'Patient',
      success: true,
    });
  });

  it('a failed sign-in leaves a LOGIN row that says so', async () => {
    const start = new Date(Date.now() - 1000);
    const browser = new Browser(authBase(server));
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: CLIENT,
      redirect_uri: REDIRECT,
      scope: 'openid',
      state: 's',
      aud: server.config.fhirBaseUrl,
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    });
    expect((await browser.get(`authorize?${query}`)).location).to.equal('login');
    const page = await browser.get('login');
    const res = await browser.post('login', [
      ['csrf', csrfOf(page.html)],
      ['email', patient.email],
      ['password', 'not the password'],
    ]);
    expect(res.status).to.equal(401);
    const rows = await rowsSince(start);
    const login = rows.find((r) => r.action === 'LOGIN' && r.userEmail === patient.email && !r.success);
    expect(login, JSON.stringify(rows)).to.include({
      userId: 'anonymous',
      description: `SMART sign-in client ${CLIENT}`,
    });
    expect(login.errorMessage).to.match(/^401: /);
  });

  it('a request refused for a missing token leaves a failed row', async () => {
    const start = new Date(Date.now() - 1000);
    const id = randomUUID();
    const res = await server.call('GET', `/Patient/${id}`);
    expect(res.status).to.equal(401);
    const rows = await rowsSince(start);
    const refused = rows.find((r) => r.action === 'READ' && r.entityId === id);
    expect(refused, JSON.stringify(rows)).to.include({ userId: 'anonymous', success: false });
    expect(refused.errorMessage).to.match(/^401 FHIR-0401: /);
  });

  it('AuditEvents: a patient sees those about their own record; a doctor without the auditor role is refused', async () => {
    const token = await tokenOf(patient);
    expect((await server.call('GET', `/Patient/${patient.id}`, { headers: bearer(token) })).status).to.equal(200);
    await server.audit.flush();
    const own = await server.call('GET', '/AuditEvent?_count=1000', { headers: bearer(token) });
    expect(own.status, own.text).to.equal(200);
    const events = (own.body.entry ?? []).map((e: any) => e.resource);
    expect(events.length).to.be.greaterThan(0);
    for (const event of events) expect(JSON.stringify(event.entity ?? [])).to.include(`Patient/${patient.id}`);

    const doctorToken = await tokenOf(doctor);
    const refused = await server.call('GET', '/AuditEvent', { headers: bearer(doctorToken) });
    expect(refused.status).to.equal(403);

    const admin = await adminToken(server);
    const auditor = await createUser(server, admin, 'Practitioner');
    await server.sql.query(`update users set roles = array['doctor', 'auditor'] where id = $1`, [auditor.userId]);
    const all = await server.call('GET', `/AuditEvent?agent=${patient.userId}&_count=1000`, {
      headers: bearer(await tokenOf(auditor)),
    });
    expect(all.status, all.text).to.equal(200);
    expect(all.body.entry.length).to.be.at.least(events.length);
  });
});
