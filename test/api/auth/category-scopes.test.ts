// SMART v2 granular scopes by category (scopes-and-launch-context.html#finer-grained-resource-constraints-using-search-parameters):
// `patient/Observation.rs?category=...|laboratory` (lab results and the blood type; the vital signs
// of the patient's row are vital-signs) and `patient/Condition.rs?category=...|problem-list-item`,
// the restrictions US certification names, compiled by each mapping's own category parameter. What a
// granular scope does not reach is absent from searches and answers 404 on read.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { addClient, bearer } from '../../support/smart.js';
import { adminToken, createUser, publicClientToken, type TestUser } from '../../support/smart-login.js';
import { order } from '../labs/lab-fixtures.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const scoped = (type: string, system: string, code: string) => `patient/${type}.rs?category=${system}|${code}`;

describe('auth › category scopes of Observation and Condition', function () {
  let server: TestServer;
  let alice: TestUser;
  let condition: string;
  let observations: string[];
  let height: string;
  let bloodType: string;

  before(async () => {
    server = await startTestServer({ AUTH_MODE: 'smart' });
    await addClient(server, {
      clientId: 'app',
      name: 'App',
      kind: 'public',
      redirectUris: [REDIRECT],
      scope: [
        'launch/patient',
        scoped('Observation', OBSERVATION_CATEGORY, 'laboratory'),
        scoped('Observation', OBSERVATION_CATEGORY, 'vital-signs'),
        scoped('Condition', CONDITION_CATEGORY, 'problem-list-item'),
        scoped('Condition', CONDITION_CATEGORY, 'encounter-diagnosis'),
      ].join(' '),
    });
    const admin = await adminToken(server);
    alice = await createUser(server, admin, 'Patient');
    await order(server, alice.id, {
      status: 'completed',
      testResults: [
        { id: 'r1', code: '2345-7', name: 'Glucose', value: 90, unit: 'mg/dL', status: 'final' },
        { id: 'r2', code: '2951-2', name: 'Sodium', value: 140, unit: 'mmol/L', status: 'final' },
      ],
    });
    const created = await server.call('POST', '/Condition', {
      headers: bearer(admin),
      body: {
        resourceType: 'Condition',
        clinicalStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
        },
        category: [{ coding: [{ system: CONDITION_CATEGORY, code: 'problem-list-item' }] }],
        code: { text: 'Hypertension' },
        subject: { reference: `Patient/${alice.id}` },
      },
    });
    expect(created.status, created.text).to.equal(201);
    condition = created.body.id;
    const labs = await server.call('GET', `/Observation?patient=${alice.id}`, { headers: bearer(admin) });
    observations = labs.body.entry.map((e: { resource: { id: string } }) => e.resource.id);
    expect(observations).to.have.length(2);
    // alice's row holds a height (vital-signs) and a blood type (laboratory), as another application writes them
    await server.sql.query(`update patients set height = 168, "bloodType" = 'O+' where id = $1`, [alice.id]);
    const vitalsOf = async (kind: string) =>
      (await server.sql.query('select fhir_vital_sign_id($1, $2)::text as id', [alice.id, kind])).rows[0].id as string;
    height = await vitalsOf('height');
    bloodType = await vitalsOf('blood-type');
  });
  after(() => server?.stop());

  async function token(scope: string): Promise<string> {
    const granted = await publicClientToken(server, {
      clientId: 'app',
      redirectUri: REDIRECT,
      scope: `launch/patient ${scope}`,
      user: alice,
    });
    expect(granted.scope).to.include(scope);
    return granted.access_token;
  }

  const ids = async (bearerToken: string, path: string) => {
    const res = await server.call('GET', path, { headers: bearer(bearerToken) });
    expect(res.status, `${path}: ${res.text}`).to.equal(200);
    return (res.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id).sort();
  };
  const status = async (bearerToken: string, path: string) =>
    (await server.call('GET', path, { headers: bearer(bearerToken) })).status;

  it('Observation.rs?category=laboratory reads and finds the lab results and the blood type, not the height', async () => {
    const lab = await token(scoped('Observation', OBSERVATION_CATEGORY, 'laboratory'));
    expect(await ids(lab, '/Observation')).to.deep.equal([...observations, bloodType].sort());
    expect(await status(lab, `/Observation/${observations[0]}`)).to.equal(200);
    expect(await status(lab, `/Observation/${bloodType}`)).to.equal(200);
    expect(await status(lab, `/Observation/${height}`)).to.equal(404);
  });

  it('Observation.rs?category=vital-signs finds the height only, and reading a lab result is 404', async () => {
    const vitals = await token(scoped('Observation', OBSERVATION_CATEGORY, 'vital-signs'));
    expect(await ids(vitals, '/Observation')).to.deep.equal([height]);
    expect(await ids(vitals, `/Observation?category=${OBSERVATION_CATEGORY}|laboratory`)).to.deep.equal([]);
    expect(await status(vitals, `/Observation/${height}`)).to.equal(200);
    expect(await status(vitals, `/Observation/${observations[0]}`)).to.equal(404);
    expect(await status(vitals, `/Observation/${bloodType}`)).to.equal(404);
    // the scope names Observation only: Condition is not granted at all
    expect(await status(vitals, `/Condition/${condition}`)).to.equal(403);
  });

  it('Condition.rs?category=problem-list-item reaches the problem list; encounter-diagnosis does not', async () => {
    const problems = await token(scoped('Condition', CONDITION_CATEGORY, 'problem-list-item'));
    expect(await ids(problems, '/Condition')).to.deep.equal([condition]);
    expect(await status(problems, `/Condition/${condition}`)).to.equal(200);
    const diagnoses = await token(scoped('Condition', CONDITION_CATEGORY, 'encounter-diagnosis'));
    expect(await ids(diagnoses, '/Condition')).to.deep.equal([]);
    expect(await status(diagnoses, `/Condition/${condition}`)).to.equal(404);
  });
});
