// A patient-context token sees its own lab reports, orders and results and no one else's
// (SMART scopes-and-launch-context.html, D8): the lab mappings' Patient compartment is applied
// inside the SQL of searches, includes and reads.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { addClient, bearer } from '../../support/smart.js';
import { adminToken, createUser, publicClientToken, type TestUser } from '../../support/smart-login.js';
import { order } from './lab-fixtures.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const RESULTS = [
  { id: 'r1', code: '2345-7', name: 'Glucose', value: 90, unit: 'mg/dL', status: 'final' },
  { id: 'r2', code: '2951-2', name: 'Sodium', value: 140, unit: 'mmol/L', status: 'final' },
];

describe('labs › a patient token reaches only its own lab reports, orders and results', function () {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let token: string;
  const labs: Record<'alice' | 'bob', string> = { alice: '', bob: '' };

  before(async () => {
    server = await startTestServer({ AUTH_MODE: 'smart' });
    await addClient(server, {
      clientId: 'app',
      name: 'App',
      kind: 'public',
      redirectUris: [REDIRECT],
      scope: 'launch/patient patient/*.rs',
    });
    const admin = await adminToken(server);
    alice = await createUser(server, admin, 'Patient');
    bob = await createUser(server, admin, 'Patient');
    labs.alice = await order(server, alice.id, { status: 'completed', testResults: RESULTS });
    labs.bob = await order(server, bob.id, { status: 'completed', testResults: RESULTS });
    token = (
      await publicClientToken(server, {
        clientId: 'app',
        redirectUri: REDIRECT,
        scope: 'launch/patient patient/*.rs',
        user: alice,
      })
    ).access_token;
  });
  after(() => server?.stop());

  const subjects = async (path: string) => {
    const res = await server.call('GET', path, { headers: bearer(token) });
    expect(res.status, `${path}: ${res.text}`).to.equal(200);
    return (res.body.entry ?? [])
      .filter((e: any) => e.resource.resourceType !== 'OperationOutcome')
      .map((e: any) => `${e.resource.resourceType}:${e.resource.subject.reference}`);
  };

  it('searches, includes and the compartment return only her own', async () => {
    const mine = `Patient/${alice.id}`;
    for (const path of [
      '/DiagnosticReport?_include=DiagnosticReport:result',
      '/Observation?_revinclude=DiagnosticReport:result',
      '/ServiceRequest?status=completed',
      `/Patient/${alice.id}/Observation`,
      `/DiagnosticReport?based-on=ServiceRequest/${labs.bob}`,
    ]) {
      const found = await subjects(path);
      for (const subject of found) expect(subject, path).to.match(new RegExp(`:${mine}$`));
    }
    expect(await subjects('/DiagnosticReport?_include=DiagnosticReport:result')).to.have.length(3);
  });

  it("another patient's report, order and results read as unknown (404)", async () => {
    const { rows } = await server.sql.query('select id from fhir_lab_result_entries where lab_test_id = $1', [
      labs.bob,
    ]);
    for (const path of [`/DiagnosticReport/${labs.bob}`, `/ServiceRequest/${labs.bob}`, `/Observation/${rows[0].id}`]) {
      const res = await server.call('GET', path, { headers: bearer(token) });
      expect(res.status, path).to.equal(404);
    }
    const own = await server.call('GET', `/DiagnosticReport/${labs.alice}`, { headers: bearer(token) });
    expect(own.status, own.text).to.equal(200);
  });
});
