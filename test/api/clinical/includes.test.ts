// _include and _revinclude along the clinical references (http://hl7.org/fhir/R4/search.html#include),
// served by the search engine from the reference parameters' targets.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { insertRow, newMedication, people, type People } from './clinical-fixtures.js';

describe('clinical _include and _revinclude', function () {
  let server: TestServer;
  let who: People;
  let medicine: string;
  before(async () => {
    server = await startTestServer();
    who = await people(server);
    medicine = (
      await server.call('POST', '/Medication', {
        body: newMedication(`${server.config.identifierNamespace}/medicine-code`),
      })
    ).body.id;
    await server.call('POST', '/Appointment', {
      body: {
        resourceType: 'Appointment',
        status: 'booked',
        start: '2030-01-07T10:00:00Z',
        minutesDuration: 30,
        participant: [
          { actor: { reference: `Patient/${who.patient}` }, status: 'accepted' },
          { actor: { reference: `Practitioner/${who.doctor}` }, status: 'accepted' },
        ],
      },
    });
    await insertRow(server, 'prescriptions', {
      patientId: who.patient,
      doctorId: who.doctor,
      prescriptionNumber: `RX-INC-${process.pid}`,
      status: 'active',
      medicines: JSON.stringify([
        {
          id: 'm1',
          medicineId: medicine,
          medicineCode: 'MED-1',
          name: 'Amoxil',
          dose: { value: 1 },
          frequency: { count: 1, period: 1, periodUnit: 'd' },
        },
      ]),
      issuedDate: '2030-01-07T10:00:00',
    });
  });
  after(() => server?.stop());

  const types = async (query: string) => {
    const reply = await server.call('GET', query);
    expect(reply.status, reply.text).to.equal(200);
    return (reply.body.entry ?? []).map((e: any) => `${e.search?.mode}:${e.resource.resourceType}`).sort();
  };

  it('Appointment?_include=Appointment:patient and :practitioner', async () => {
    expect(await types(`/Appointment?patient=${who.patient}&_include=Appointment:patient`)).to.deep.equal([
      'include:Patient',
      'match:Appointment',
    ]);
    expect(await types(`/Appointment?patient=${who.patient}&_include=Appointment:practitioner`)).to.deep.equal([
      'include:Practitioner',
      'match:Appointment',
    ]);
  });

  it('MedicationRequest?_include=MedicationRequest:medication, and Patient?_revinclude=MedicationRequest:patient', async () => {
    expect(
      await types(`/MedicationRequest?patient=${who.patient}&_include=MedicationRequest:medication`),
    ).to.deep.equal(['include:Medication', 'match:MedicationRequest']);
    expect(await types(`/Patient?_id=${who.patient}&_revinclude=MedicationRequest:patient`)).to.deep.equal([
      'include:MedicationRequest',
      'match:Patient',
    ]);
  });
});
