// batch and transaction Bundles POSTed to the base (http://hl7.org/fhir/R4/http.html#transaction):
// a transaction is all or nothing in one database transaction, with urn:uuid references rewritten
// and conditional references resolved; a batch answers each entry on its own.
import { expect } from 'chai';
import { newPatient, newPractitioner } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const appointment = (patient: string, practitioner: string, start: string) => ({
  resourceType: 'Appointment',
  status: 'booked',
  start,
  minutesDuration: 30,
  participant: [
    { actor: { reference: patient }, status: 'accepted' },
    { actor: { reference: practitioner }, status: 'accepted' },
  ],
});

const emailOf = (resource: { telecom: { value: string }[] }) => resource.telecom[0]!.value;

describe('REST › batch and transaction Bundles', function () {
  let server: TestServer;
  before(async () => (server = await startTestServer({ BUNDLE_MAX_ENTRIES: '5' })));
  after(() => server?.stop());

  const post = (bundle: unknown) => server.call('POST', '', { body: bundle });
  const count = async (table: string) =>
    Number((await server.sql.query(`select count(*)::int as n from ${table}`)).rows[0].n);

  it('a transaction creates resources that point at each other by urn:uuid, in dependency order', async () => {
    const patient = newPatient();
    const doctor = newPractitioner();
    const reply = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        // the appointment comes first in the Bundle; it is created after what it points at
        {
          resource: appointment(
            'urn:uuid:3f1e0000-0000-4000-8000-000000000001',
            'urn:uuid:3f1e0000-0000-4000-8000-000000000002',
            '2030-01-07T09:00:00Z',
          ),
          request: { method: 'POST', url: 'Appointment' },
        },
        {
          fullUrl: 'urn:uuid:3f1e0000-0000-4000-8000-000000000001',
          resource: patient,
          request: { method: 'POST', url: 'Patient' },
        },
        {
          fullUrl: 'urn:uuid:3f1e0000-0000-4000-8000-000000000002',
          resource: doctor,
          request: { method: 'POST', url: 'Practitioner' },
        },
        { request: { method: 'GET', url: `Patient?email=${encodeURIComponent(emailOf(patient))}` } },
      ],
    });
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.body.type).to.equal('transaction-response');
    const [booked, madePatient, madeDoctor, found] = reply.body.entry;
    expect([booked, madePatient, madeDoctor].map((e: any) => e.response.status)).to.deep.equal([
      '201 Created',
      '201 Created',
      '201 Created',
    ]);
    expect(madePatient.response.location).to.match(/\/Patient\/[0-9a-f-]{36}\/_history\/1$/);
    expect(madePatient.response.etag).to.equal('W/"1"');
    const actors = booked.resource.participant.map((p: any) => p.actor.reference);
    expect(actors).to.deep.equal([`Patient/${madePatient.resource.id}`, `Practitioner/${madeDoctor.resource.id}`]);
    expect(found.resource.type).to.equal('searchset');
    expect(found.resource.entry.map((e: any) => e.resource.id)).to.deep.equal([madePatient.resource.id]);
    const { rows } = await server.sql.query('select "patientId", "doctorId" from appointments where id = $1', [
      booked.resource.id,
    ]);
    expect(rows).to.deep.equal([{ patientId: madePatient.resource.id, doctorId: madeDoctor.resource.id }]);
  });

  it('a failing entry rolls the whole transaction back, and the OperationOutcome names the entry', async () => {
    const before = await count('users');
    const reply = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: newPatient(), request: { method: 'POST', url: 'Patient' } },
        { resource: newPatient({ gender: 'sometimes' }), request: { method: 'POST', url: 'Patient' } },
      ],
    });
    expect(reply.status, reply.text).to.be.within(400, 422);
    expect(reply.body.resourceType).to.equal('OperationOutcome');
    expect(reply.body.issue.map((i: any) => i.diagnostics).join(' ')).to.contain('Bundle.entry[1] (POST Patient)');
    expect(await count('users')).to.equal(before);
  });

  it('If-Match per entry: a stale one is 412 and nothing of the transaction stays', async () => {
    const created = await server.call('POST', '/Patient', { body: newPatient() });
    const before = await count('users');
    const reply = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: newPatient(), request: { method: 'POST', url: 'Patient' } },
        {
          resource: { ...created.body, gender: 'male' },
          request: { method: 'PUT', url: `Patient/${created.body.id}`, ifMatch: 'W/"7"' },
        },
      ],
    });
    expect(reply.status, reply.text).to.equal(412);
    expect(await count('users')).to.equal(before);
    expect((await server.call('GET', `/Patient/${created.body.id}`)).body.gender).to.equal('female');
  });

  it('conditional references resolve to the one match; several matches are 412', async () => {
    const patient = newPatient();
    const madePatient = await server.call('POST', '/Patient', { body: patient });
    const doctor = await server.call('POST', '/Practitioner', { body: newPractitioner() });
    const reply = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: appointment(
            `Patient?email=${encodeURIComponent(emailOf(patient))}`,
            `Practitioner/${doctor.body.id}`,
            '2030-01-08T09:00:00Z',
          ),
          request: { method: 'POST', url: 'Appointment' },
        },
      ],
    });
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.body.entry[0].resource.participant[0].actor.reference).to.equal(`Patient/${madePatient.body.id}`);

    const ambiguous = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: appointment('Patient?family=Testperson', `Practitioner/${doctor.body.id}`, '2030-01-09T09:00:00Z'),
          request: { method: 'POST', url: 'Appointment' },
        },
      ],
    });
    expect(ambiguous.status, ambiguous.text).to.equal(412);
  });

  it('conditional create, PATCH as a Binary, DELETE and GET inside one transaction', async () => {
    const existing = newPatient();
    const made = await server.call('POST', '/Patient', { body: existing });
    const doomed = await server.call('POST', '/Patient', { body: newPatient() });
    const patch = [{ op: 'replace', path: '/birthDate', value: '1970-07-07' }];
    const reply = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: existing,
          request: { method: 'POST', url: 'Patient', ifNoneExist: `email=${encodeURIComponent(emailOf(existing))}` },
        },
        {
          resource: {
            resourceType: 'Binary',
            contentType: 'application/json-patch+json',
            data: Buffer.from(JSON.stringify(patch)).toString('base64'),
          },
          request: { method: 'PATCH', url: `Patient/${made.body.id}` },
        },
        { request: { method: 'DELETE', url: `Patient/${doomed.body.id}` } },
        { request: { method: 'GET', url: `Patient/${made.body.id}` } },
      ],
    });
    expect(reply.status, reply.text).to.equal(200);
    const statuses = reply.body.entry.map((e: any) => e.response.status);
    expect(statuses).to.deep.equal(['200 OK', '200 OK', '204 No Content', '200 OK']);
    expect(reply.body.entry[0].resource.id).to.equal(made.body.id);
    expect(reply.body.entry[3].resource.birthDate).to.equal('1970-07-07');
    expect((await server.call('GET', `/Patient/${doomed.body.id}`)).status).to.equal(410);
  });

  it('a batch answers every entry on its own: what succeeds stays', async () => {
    const good = newPatient();
    const reply = await post({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: good, request: { method: 'POST', url: 'Patient' } },
        { resource: newPatient({ gender: 'sometimes' }), request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/6f1c1d2e-0000-4000-8000-00000000dead' } },
      ],
    });
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.body.type).to.equal('batch-response');
    const [created, invalid, missing] = reply.body.entry;
    expect(created.response.status).to.equal('201 Created');
    expect(invalid.response.status).to.match(/^4\d\d/);
    expect(invalid.response.outcome.resourceType).to.equal('OperationOutcome');
    expect(missing.response.status).to.equal('404 Not Found');
    const found = await server.call('GET', `/Patient?email=${encodeURIComponent(emailOf(good))}`);
    expect(found.body.entry).to.have.length(1);
  });

  it('bad Bundles are 400, too many entries 413, and nothing is written', async () => {
    const before = await count('users');
    const cases: [unknown, number][] = [
      [{ resourceType: 'Patient' }, 400],
      [{ resourceType: 'Bundle', type: 'collection', entry: [] }, 400],
      [{ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: newPatient() }] }, 400],
      [{ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'POST', url: 'Patient' } }] }, 400],
      [
        {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { resource: newPatient(), request: { method: 'POST', url: 'https://elsewhere.example.org/fhir/Patient' } },
          ],
        },
        400,
      ],
      [
        {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            {
              resource: appointment(
                'urn:uuid:3f1e0000-0000-4000-8000-00000000beef',
                'Practitioner/x',
                '2030-01-10T09:00:00Z',
              ),
              request: { method: 'POST', url: 'Appointment' },
            },
          ],
        },
        400,
      ],
      [
        {
          resourceType: 'Bundle',
          type: 'batch',
          entry: Array.from({ length: 6 }, () => ({
            resource: newPatient(),
            request: { method: 'POST', url: 'Patient' },
          })),
        },
        413,
      ],
    ];
    for (const [bundle, status] of cases) {
      const reply = await post(bundle);
      expect(reply.status, `${JSON.stringify(bundle).slice(0, 120)}: ${reply.text}`).to.equal(status);
      expect(reply.body.resourceType).to.equal('OperationOutcome');
    }
    expect(await count('users')).to.equal(before);
  });

  it('the CapabilityStatement declares batch and transaction', async () => {
    const codes = (await server.call('GET', '/metadata')).body.rest[0].interaction.map((i: any) => i.code);
    expect(codes).to.include.members(['batch', 'transaction']);
  });
});
