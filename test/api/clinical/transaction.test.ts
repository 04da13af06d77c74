// A transaction that books an appointment and writes a prescription together (issue 5): a new
// patient and practitioner by urn:uuid, an Appointment, and two MedicationRequests of one new
// groupIdentifier that make one prescription, all in one database transaction.
import { expect } from 'chai';
import { newPatient, newPractitioner } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const PATIENT = 'urn:uuid:7a0c0000-0000-4000-8000-000000000001';
const DOCTOR = 'urn:uuid:7a0c0000-0000-4000-8000-000000000002';

const order = (code: string, text: string, group: string) => ({
  resourceType: 'MedicationRequest',
  status: 'active',
  intent: 'order',
  groupIdentifier: { value: group },
  medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code }], text },
  subject: { reference: PATIENT },
  requester: { reference: DOCTOR },
  authoredOn: '2030-02-01T08:00:00Z',
  dosageInstruction: [
    {
      text: 'twice daily',
      timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd' } },
      doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
    },
  ],
});

describe('clinical › a transaction books an appointment and writes a prescription together', function () {
  let server: TestServer;
  before(async () => (server = await startTestServer()));
  after(() => server?.stop());

  const bundle = (group: string, start: string, extra: unknown[] = []) => ({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { resource: order('308182', 'Amoxicillin 500 mg', group), request: { method: 'POST', url: 'MedicationRequest' } },
      { resource: order('197806', 'Ibuprofen 400 mg', group), request: { method: 'POST', url: 'MedicationRequest' } },
      {
        resource: {
          resourceType: 'Appointment',
          status: 'booked',
          start,
          minutesDuration: 20,
          participant: [
            { actor: { reference: PATIENT }, status: 'accepted' },
            { actor: { reference: DOCTOR }, status: 'accepted' },
          ],
        },
        request: { method: 'POST', url: 'Appointment' },
      },
      { fullUrl: PATIENT, resource: newPatient(), request: { method: 'POST', url: 'Patient' } },
      { fullUrl: DOCTOR, resource: newPractitioner(), request: { method: 'POST', url: 'Practitioner' } },
      ...extra,
    ],
  });

  it('one prescription with both entries, the appointment, the patient and the practitioner', async () => {
    const reply = await server.call('POST', '', { body: bundle('RX-TX-0001', '2030-02-03T10:00:00Z') });
    expect(reply.status, reply.text).to.equal(200);
    const [first, second, booked, patient, doctor] = reply.body.entry;
    for (const e of reply.body.entry) expect(e.response.status).to.equal('201 Created');
    const { rows } = await server.sql.query(
      `select "patientId", "doctorId", jsonb_array_length(medicines) as entries from prescriptions where "prescriptionNumber" = 'RX-TX-0001'`,
    );
    expect(rows).to.deep.equal([{ patientId: patient.resource.id, doctorId: doctor.resource.id, entries: 2 }]);
    expect(first.resource.id).to.not.equal(second.resource.id);
    expect(second.resource.groupIdentifier.value).to.equal('RX-TX-0001');
    expect(booked.resource.participant[0].actor.reference).to.equal(`Patient/${patient.resource.id}`);
  });

  it('when the appointment cannot be booked, neither the prescription nor the people are written', async () => {
    const count = async (table: string) =>
      Number((await server.sql.query(`select count(*)::int as n from ${table}`)).rows[0].n);
    const before = { users: await count('users'), prescriptions: await count('prescriptions') };
    const broken = bundle('RX-TX-0002', '2030-02-04T10:00:00'); // a start without a zone is refused
    const reply = await server.call('POST', '', { body: broken });
    expect(reply.status, reply.text).to.be.within(400, 422);
    expect(reply.body.issue.map((i: any) => i.diagnostics).join(' ')).to.contain('Bundle.entry[2] (POST Appointment)');
    expect({ users: await count('users'), prescriptions: await count('prescriptions') }).to.deep.equal(before);
  });
});
