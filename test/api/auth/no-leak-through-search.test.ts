// A patient-context token never sees another patient's data through the parts of search that
// reach across resources (SMART scopes-and-launch-context.html, D8): _include, _revinclude
// (with :iterate), _has, chains, the Patient compartment, system search, and their counts.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { addClient, bearer } from '../../support/smart.js';
import { adminToken, createUser, publicClientToken, type TestUser } from '../../support/smart-login.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

describe('auth › a patient token cannot reach other patients through includes, _has, chains or compartments', function () {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let doctor: TestUser;
  let token: string;
  let admin: string;
  const appointments: Record<'alice' | 'bob', string[]> = { alice: [], bob: [] };

  const book = async (admin: string, patient: TestUser, start: string) => {
    const res = await server.call('POST', '/Appointment', {
      headers: bearer(admin),
      body: {
        resourceType: 'Appointment',
        status: 'booked',
        start,
        minutesDuration: 30,
        participant: [
          { actor: { reference: `Patient/${patient.id}` }, status: 'accepted' },
          { actor: { reference: `Practitioner/${doctor.id}` }, status: 'accepted' },
        ],
      },
    });
    expect(res.status, res.text).to.equal(201);
    return res.body.id as string;
  };

  before(async () => {
    server = await startTestServer({ AUTH_MODE: 'smart' });
    await addClient(server, {
      clientId: 'app',
      name: 'App',
      kind: 'public',
      redirectUris: [REDIRECT],
      scope: 'launch/patient patient/*.rs',
    });
    admin = await adminToken(server);
    alice = await createUser(server, admin, 'Patient', {
      name: [{ use: 'official', family: 'Leakproof', given: ['Alice'] }],
    });
    bob = await createUser(server, admin, 'Patient', {
      name: [{ use: 'official', family: 'Hiddenson', given: ['Bob'] }],
    });
    doctor = await createUser(server, admin, 'Practitioner');
    appointments.alice.push(await book(admin, alice, '2029-03-01T09:00:00Z'));
    appointments.bob.push(await book(admin, bob, '2029-03-01T10:00:00Z'));
    appointments.bob.push(await book(admin, bob, '2029-03-02T10:00:00Z'));

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

  /** Every resource a search returns, as Type/id, with the Bundle's total. */
  const search = async (path: string) => {
    const res = await server.call('GET', path, { headers: bearer(token) });
    expect(res.status, `${path}: ${res.text}`).to.equal(200);
    const found = (res.body.entry ?? [])
      .filter((e: any) => e.resource.resourceType !== 'OperationOutcome')
      .map((e: any) => `${e.resource.resourceType}/${e.resource.id}`)
      .sort();
    return { found, total: res.body.total as number | undefined };
  };
  const bobs = () => [`Patient/${bob.id}`, ...appointments.bob.map((id) => `Appointment/${id}`)];
  const expectNoBob = (found: string[]) => {
    for (const ref of bobs()) expect(found, ref).to.not.include(ref);
  };

  const table: [string, () => string, () => string[]][] = [
    [
      '_include of the patient',
      () => '/Appointment?_include=Appointment:patient',
      () => [`Appointment/${appointments.alice[0]}`, `Patient/${alice.id}`],
    ],
    [
      '_include of every actor',
      () => '/Appointment?_include=Appointment:actor',
      () => [`Appointment/${appointments.alice[0]}`, `Patient/${alice.id}`, `Practitioner/${doctor.id}`],
    ],
    [
      '_revinclude of appointments',
      () => `/Patient?_revinclude=Appointment:patient`,
      () => [`Appointment/${appointments.alice[0]}`, `Patient/${alice.id}`],
    ],
    [
      '_revinclude:iterate through the practitioner',
      () => `/Practitioner?_id=${doctor.id}&_revinclude=Appointment:practitioner&_include:iterate=Appointment:patient`,
      () => [`Appointment/${appointments.alice[0]}`, `Patient/${alice.id}`, `Practitioner/${doctor.id}`],
    ],
    ["a chain on the other patient's name", () => '/Appointment?patient.family=Hiddenson', () => []],
    [
      'a chain on her own name',
      () => '/Appointment?patient.family=Leakproof',
      () => [`Appointment/${appointments.alice[0]}`],
    ],
    [
      '_has probing the other patient',
      () => `/Patient?_has:Appointment:patient:practitioner=${doctor.id}&_id=${bob.id}`,
      () => [],
    ],
    [
      '_has on her own appointments',
      () => `/Patient?_has:Appointment:patient:practitioner=${doctor.id}`,
      () => [`Patient/${alice.id}`],
    ],
    ["the other patient's compartment", () => `/Patient/${bob.id}/Appointment`, () => []],
    ['her own compartment', () => `/Patient/${alice.id}/Appointment`, () => [`Appointment/${appointments.alice[0]}`]],
    [
      'system search over both types',
      () => '/?_type=Patient,Appointment',
      () => [`Appointment/${appointments.alice[0]}`, `Patient/${alice.id}`],
    ],
  ];

  it('the same searches with an unrestricted token do return the other patient (the table can fail)', async () => {
    const res = await server.call('GET', '/Appointment?_include=Appointment:patient&_count=100', {
      headers: bearer(admin),
    });
    const found = res.body.entry.map((e: any) => `${e.resource.resourceType}/${e.resource.id}`);
    for (const ref of bobs()) expect(found).to.include(ref);
    const has = await server.call('GET', `/Patient?_has:Appointment:patient:practitioner=${doctor.id}&_id=${bob.id}`, {
      headers: bearer(admin),
    });
    expect(has.body.entry.map((e: any) => e.resource.id)).to.deep.equal([bob.id]);
  });

  for (const [name, path, expected] of table)
    it(`${name}: only what Alice may see`, async () => {
      const { found } = await search(path());
      expectNoBob(found);
      expect(found).to.deep.equal(expected().sort());
    });

  it('counts never include the other patient (_total=accurate, _summary=count)', async () => {
    expect((await search('/Appointment?_total=accurate')).total).to.equal(1);
    expect((await search('/Appointment?_summary=count')).total).to.equal(1);
    expect((await search(`/Appointment?practitioner=${doctor.id}&_summary=count`)).total).to.equal(1);
    expect((await search('/Patient?_summary=count')).total).to.equal(1);
  });

  it("reads of the other patient's appointment answer 404, like one that does not exist", async () => {
    const res = await server.call('GET', `/Appointment/${appointments.bob[0]}`, { headers: bearer(token) });
    expect(res.status).to.equal(404);
  });
});
