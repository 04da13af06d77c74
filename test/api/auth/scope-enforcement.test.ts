// Scopes enforced in every interaction (SMART scopes-and-launch-context.html, D8): a table of
// tokens × requests. Patient-context tokens see their patient's compartment only, in the SQL of
// searches and counts; rows outside answer 404; types and interactions no scope allows answer 403;
// v2 restrictions (`?gender=female`) are compiled by the resource's own search parameter.
import { expect } from 'chai';
import { newPatient, newPractitioner } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { addClient, basic, bearer } from '../../support/smart.js';
import {
  adminToken,
  createUser,
  exchange,
  PASSWORD,
  publicClientToken,
  signIn,
  type TestUser,
} from '../../support/smart-login.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

describe('auth › scopes enforced in every interaction and in the SQL of search', function () {
  let server: TestServer;
  let admin: string;
  let alice: TestUser;
  let bob: TestUser;
  let doctor: TestUser;
  let secret: string;

  before(async () => {
    server = await startTestServer({ AUTH_MODE: 'smart' });
    await addClient(server, {
      clientId: 'app',
      name: 'App',
      kind: 'public',
      redirectUris: [REDIRECT],
      scope: 'launch/patient patient/*.cruds user/*.cruds patient/*.* user/*.*',
    });
    secret = (
      await addClient(server, {
        clientId: 'clinic',
        name: 'Clinic',
        kind: 'confidential-symmetric',
        redirectUris: [REDIRECT],
        scope: 'launch/patient patient/*.cruds user/*.cruds user/*.*',
      })
    ).clientSecret!;
    admin = await adminToken(server);
    alice = await createUser(server, admin, 'Patient', { gender: 'female' });
    bob = await createUser(server, admin, 'Patient', { gender: 'male' });
    doctor = await createUser(server, admin, 'Practitioner');
    for (let i = 0; i < 3; i++) await createUser(server, admin, 'Patient');
  });
  after(() => server?.stop());

  async function patientToken(user: TestUser, scope: string): Promise<string> {
    return (await publicClientToken(server, { clientId: 'app', redirectUri: REDIRECT, scope, user })).access_token;
  }

  async function doctorToken(scope: string, patient?: string): Promise<string> {
    const url = await signIn(server, {
      clientId: 'clinic',
      redirectUri: REDIRECT,
      scope,
      email: doctor.email,
      password: PASSWORD,
      patient,
    });
    const res = await exchange(
      server,
      { code: url.searchParams.get('code')!, redirect_uri: REDIRECT },
      { authorization: basic('clinic', secret) },
    );
    expect(res.status, res.text).to.equal(200);
    return res.body.access_token;
  }

  const status = async (token: string, method: string, path: string, body?: unknown) =>
    (await server.call(method, path, { headers: bearer(token), ...(body ? { body } : {}) })).status;

  describe('patient/Patient.rs for Alice (v2)', () => {
    let token: string;
    before(async () => (token = await patientToken(alice, 'launch/patient patient/Patient.rs')));

    it('search finds Alice only, and the total counts Alice only', async () => {
      const res = await server.call('GET', '/Patient?_count=100', { headers: bearer(token) });
      expect(res.status).to.equal(200);
      expect(res.body.total).to.equal(1);
      expect(res.body.entry.map((e: any) => e.resource.id)).to.deep.equal([alice.id]);
      const count = await server.call('GET', '/Patient?_summary=count', { headers: bearer(token) });
      expect(count.body.total).to.equal(1);
      const everyone = await server.call('GET', '/Patient?_summary=count', { headers: bearer(admin) });
      expect(everyone.body.total).to.be.at.least(5);
    });

    it('a search aimed at Bob finds nothing (_id, identifier, name)', async () => {
      for (const q of [`_id=${bob.id}`, `email=${encodeURIComponent(bob.email)}`, 'gender=male']) {
        const res = await server.call('GET', `/Patient?${q}`, { headers: bearer(token) });
        expect(res.status, q).to.equal(200);
        expect(res.body.total, q).to.equal(0);
      }
    });

    it('read, vread and instance history of Bob answer 404; of Alice 200', async () => {
      expect(await status(token, 'GET', `/Patient/${alice.id}`)).to.equal(200);
      expect(await status(token, 'GET', `/Patient/${alice.id}/_history/1`)).to.equal(200);
      expect(await status(token, 'GET', `/Patient/${alice.id}/_history`)).to.equal(200);
      expect(await status(token, 'GET', `/Patient/${bob.id}`)).to.equal(404);
      expect(await status(token, 'GET', `/Patient/${bob.id}/_history/1`)).to.equal(404);
      expect(await status(token, 'GET', `/Patient/${bob.id}/_history`)).to.equal(404);
    });

    it('type and system history are refused (403): they cannot be narrowed to a compartment', async () => {
      expect(await status(token, 'GET', '/Patient/_history')).to.equal(403);
      expect(await status(token, 'GET', '/_history')).to.equal(403);
    });

    it('writes and other types are refused with 403', async () => {
      const read = await server.call('GET', `/Patient/${alice.id}`, { headers: bearer(token) });
      expect(await status(token, 'PUT', `/Patient/${alice.id}`, read.body)).to.equal(403);
      expect(await status(token, 'POST', '/Patient', newPatient())).to.equal(403);
      expect(await status(token, 'DELETE', `/Patient/${alice.id}`)).to.equal(403);
      expect(await status(token, 'GET', '/Practitioner')).to.equal(403);
    });
  });

  describe('patient/*.cruds for Alice', () => {
    let token: string;
    before(async () => (token = await patientToken(alice, 'launch/patient patient/*.cruds')));

    it('may update Alice, but not Bob (404), and Bob is unchanged', async () => {
      const mine = await server.call('GET', `/Patient/${alice.id}`, { headers: bearer(token) });
      const updated = await server.call('PUT', `/Patient/${alice.id}`, {
        headers: bearer(token),
        body: { ...mine.body, birthDate: '1980-01-01' },
      });
      expect(updated.status, updated.text).to.equal(200);
      const theirs = await server.call('GET', `/Patient/${bob.id}`, { headers: bearer(admin) });
      expect(await status(token, 'PUT', `/Patient/${bob.id}`, { ...theirs.body, birthDate: '1970-01-01' })).to.equal(
        404,
      );
      expect(await status(token, 'DELETE', `/Patient/${bob.id}`)).to.equal(404);
      const patch = await server.call('PATCH', `/Patient/${bob.id}`, {
        headers: { ...bearer(token), 'content-type': 'application/json-patch+json' },
        raw: JSON.stringify([{ op: 'replace', path: '/birthDate', value: '1999-09-09' }]),
      });
      expect(patch.status).to.equal(404);
      const { rows } = await server.sql.query(
        `select u."dateOfBirth"::text as dob, u."deletedAt" from patients p join users u on u.id = p."userId" where p.id = $1`,
        [bob.id],
      );
      expect(rows[0].dob).to.equal(theirs.body.birthDate);
      expect(rows[0].deletedAt).to.equal(null);
    });

    it('creating another Patient is refused with 403 and rolled back', async () => {
      const before = (await server.sql.query('select count(*)::int as n from patients')).rows[0].n;
      const res = await server.call('POST', '/Patient', { headers: bearer(token), body: newPatient() });
      expect(res.status).to.equal(403);
      expect((await server.sql.query('select count(*)::int as n from patients')).rows[0].n).to.equal(before);
    });

    it('sees every Practitioner (outside the Patient compartment) but may not write one', async () => {
      const res = await server.call('GET', '/Practitioner', { headers: bearer(token) });
      expect(res.status).to.equal(200);
      expect(res.body.total).to.be.at.least(1);
      expect(await status(token, 'POST', '/Practitioner', newPractitioner())).to.equal(403);
      expect(await status(token, 'DELETE', `/Practitioner/${doctor.id}`)).to.equal(403);
    });
  });

  describe('v1 scopes and user/ scopes', () => {
    it('patient/Patient.read (v1) behaves like patient/Patient.rs', async () => {
      const token = await patientToken(bob, 'launch/patient patient/Patient.read');
      const res = await server.call('GET', '/Patient', { headers: bearer(token) });
      expect(res.body.total).to.equal(1);
      expect(res.body.entry[0].resource.id).to.equal(bob.id);
      expect(await status(token, 'POST', '/Patient', newPatient())).to.equal(403);
    });

    it('user/Patient.rs of a patient user reaches that patient only (the roles bound the scope)', async () => {
      const token = await patientToken(alice, 'user/Patient.rs');
      const res = await server.call('GET', '/Patient?_summary=count', { headers: bearer(token) });
      expect(res.body.total).to.equal(1);
      expect(await status(token, 'GET', `/Patient/${bob.id}`)).to.equal(404);
    });

    it('user/*.* (v1) of a practitioner reaches every patient', async () => {
      const token = await doctorToken('user/*.*');
      const res = await server.call('GET', '/Patient?_summary=count', { headers: bearer(token) });
      expect(res.body.total).to.be.at.least(5);
      expect(await status(token, 'GET', `/Patient/${bob.id}`)).to.equal(200);
      expect(await status(token, 'GET', '/Patient/_history')).to.equal(200);
    });

    it('a practitioner with patient/ scopes is limited to the patient picked at launch', async () => {
      const token = await doctorToken('launch/patient patient/Patient.rs', bob.id);
      const res = await server.call('GET', '/Patient', { headers: bearer(token) });
      expect(res.body.total).to.equal(1);
      expect(res.body.entry[0].resource.id).to.equal(bob.id);
      expect(await status(token, 'GET', `/Patient/${alice.id}`)).to.equal(404);
    });
  });

  describe('v2 search-parameter restrictions', () => {
    it('user/Patient.rs?gender=female finds and reads female patients only', async () => {
      await addClient(server, {
        clientId: 'restricted',
        name: 'Restricted',
        kind: 'confidential-symmetric',
        redirectUris: [REDIRECT],
        scope: 'user/Patient.rs?gender=female',
      }).then(async ({ clientSecret }) => {
        const url = await signIn(server, {
          clientId: 'restricted',
          redirectUri: REDIRECT,
          scope: 'user/Patient.rs?gender=female',
          email: doctor.email,
          password: PASSWORD,
        });
        const res = await exchange(
          server,
          { code: url.searchParams.get('code')!, redirect_uri: REDIRECT },
          { authorization: basic('restricted', clientSecret!) },
        );
        expect(res.status, res.text).to.equal(200);
        const token = res.body.access_token;
        const search = await server.call('GET', '/Patient?_count=100', { headers: bearer(token) });
        expect(search.body.entry.every((e: any) => e.resource.gender === 'female')).to.equal(true);
        expect(search.body.entry.map((e: any) => e.resource.id)).to.include(alice.id);
        expect(await status(token, 'GET', `/Patient/${alice.id}`)).to.equal(200);
        expect(await status(token, 'GET', `/Patient/${bob.id}`)).to.equal(404);
      });
    });

    it('a client registered for a restricted scope cannot ask for the unrestricted one', async () => {
      const url = await signIn(server, {
        clientId: 'restricted',
        redirectUri: REDIRECT,
        scope: 'user/Patient.rs',
        email: doctor.email,
        password: PASSWORD,
      }).catch((error: Error) => error);
      expect(url).to.be.instanceOf(URL);
      expect((url as URL).searchParams.get('error')).to.equal('invalid_scope');
    });
  });
});
