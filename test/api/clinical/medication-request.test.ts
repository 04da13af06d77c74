// MedicationRequest ⇄ entries of prescriptions.medicines (http://hl7.org/fhir/R4/medicationrequest.html):
// one resource per entry with a stable id (D3), its fields, the status table, search and versions.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { insertRow, newMedication, people, type People } from './clinical-fixtures.js';

const EXT = 'https://fhir-interop-server.dev/fhir/StructureDefinition';
let serial = 0;

function entry(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    medicineCode: 'MED-00001',
    name: 'Amoxil',
    genericName: 'Amoxicillin',
    strength: '500mg',
    form: 'Capsule',
    dose: { value: 1, unit: 'capsule' },
    route: 'oral',
    frequency: { text: 'three times daily', count: 3, period: 1, periodUnit: 'd' },
    duration: { value: 7, unit: 'd' },
    quantity: { value: 21, unit: 'capsule' },
    refills: 1,
    instructions: 'Take with food.',
    substitutionAllowed: true,
    ...extra,
  };
}

describe('MedicationRequest ⇄ prescriptions.medicines', function () {
  let server: TestServer;
  let who: People;
  let medicine: string;
  before(async () => {
    server = await startTestServer();
    who = await people(server);
    const created = await server.call('POST', '/Medication', {
      body: newMedication(`${server.config.identifierNamespace}/medicine-code`),
    });
    medicine = created.body.id;
  });
  after(() => server?.stop());

  async function prescription(medicines: unknown[], values: Record<string, unknown> = {}) {
    const number = `RX-T-${process.pid}-${++serial}`;
    const id = await insertRow(server, 'prescriptions', {
      patientId: who.patient,
      doctorId: who.doctor,
      prescriptionNumber: number,
      status: 'active',
      medicines: JSON.stringify(medicines),
      issuedDate: '2026-01-10T09:30:00',
      expiryDate: '2026-04-10T09:30:00',
      ...values,
    });
    return { id, number };
  }
  const entryIds = async (prescriptionId: string) =>
    (
      await server.sql.query(
        'select id, entry_id from fhir_prescription_entries where prescription_id = $1 order by entry_id',
        [prescriptionId],
      )
    ).rows as { id: string; entry_id: string }[];

  it('each entry is one MedicationRequest with the fields of the entry and the prescription', async () => {
    const rx = await prescription(
      [entry('m1', { medicineId: medicine }), entry('m2', { medicineCode: 'X-1', name: 'Other' })],
      {
        diagnosis: 'Sinusitis',
        notes: 'Review in two weeks.',
        isRecurring: true,
        recurringEndDate: '2026-12-31T00:00:00',
        isDigitallySigned: true,
        digitalSignatureUrl: 'https://files.example.org/sig/1',
        pharmacyNotified: ['Main Street Pharmacy'],
      },
    );
    const ids = await entryIds(rx.id);
    expect(ids.map((i) => i.entry_id)).to.deep.equal(['m1', 'm2']);
    const first = await server.call('GET', `/MedicationRequest/${ids[0]!.id}`);
    expect(first.status, first.text).to.equal(200);
    const r = first.body;
    expect(r).to.deep.include({
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${who.patient}` },
      requester: { reference: `Practitioner/${who.doctor}` },
      authoredOn: '2026-01-10T09:30:00Z',
      reasonCode: [{ text: 'Sinusitis' }],
      note: [{ text: 'Review in two weeks.' }],
      medicationReference: { reference: `Medication/${medicine}`, display: 'Amoxil' },
      substitution: { allowedBoolean: true },
    });
    expect(r.groupIdentifier.value).to.equal(rx.number);
    expect(r.identifier[0].value).to.equal(`${rx.number}/m1`);
    expect(r.dosageInstruction).to.deep.equal([
      {
        text: 'three times daily',
        patientInstruction: 'Take with food.',
        timing: { repeat: { frequency: 3, period: 1, periodUnit: 'd' } },
        route: { text: 'oral' },
        doseAndRate: [{ doseQuantity: { value: 1, unit: 'capsule' } }],
      },
    ]);
    expect(r.dispenseRequest).to.deep.equal({
      validityPeriod: { start: '2026-01-10T09:30:00Z', end: '2026-04-10T09:30:00Z' },
      numberOfRepeatsAllowed: 1,
      quantity: { value: 21, unit: 'capsule' },
      expectedSupplyDuration: { value: 7, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' },
    });
    const urls = r.extension.map((e: any) => e.url);
    expect(urls).to.include.members([
      `${EXT}/prescribed-medicine`,
      `${EXT}/recurring`,
      `${EXT}/digital-signature`,
      `${EXT}/pharmacy-notified`,
    ]);
    const second = (await server.call('GET', `/MedicationRequest/${ids[1]!.id}`)).body;
    expect(second.medicationCodeableConcept).to.deep.equal({
      coding: [{ system: `${server.config.identifierNamespace}/medicine-code`, code: 'X-1', display: 'Other' }],
      text: 'Other',
    });
  });

  it('ids stay the same while the entry exists; a removed entry is deleted (410); a sibling change makes no version', async () => {
    const rx = await prescription([entry('m1'), entry('m2')]);
    const [a, b] = await entryIds(rx.id);
    await server.sql.query(
      `update prescriptions set medicines = jsonb_set(medicines, '{1,refills}', '3') where id = $1`,
      [rx.id],
    );
    expect((await server.call('GET', `/MedicationRequest/${a!.id}`)).body.meta.versionId).to.equal('1');
    const changed = await server.call('GET', `/MedicationRequest/${b!.id}`);
    expect(changed.body.meta.versionId).to.equal('2');
    expect(changed.body.dispenseRequest.numberOfRepeatsAllowed).to.equal(3);
    await server.sql.query(`update prescriptions set medicines = medicines - 0 where id = $1`, [rx.id]);
    expect((await server.call('GET', `/MedicationRequest/${a!.id}`)).status).to.equal(410);
    expect((await server.call('GET', `/MedicationRequest/${b!.id}`)).status).to.equal(200);
    expect((await entryIds(rx.id)).map((e) => e.id)).to.deep.equal([a!.id, b!.id]);
  });

  describe('status table (profiles/ConceptMap-medication-request-status.json)', () => {
    for (const [column, code, kept] of [
      ['draft', 'draft', false],
      ['issued', 'active', true],
      ['active', 'active', false],
      ['fulfilled', 'completed', false],
      ['cancelled', 'cancelled', false],
      ['expired', 'stopped', true],
      ['superseded', 'unknown', true],
      [null, 'draft', false],
    ] as const)
      it(`${column ?? 'NULL'} reads as ${code}${kept ? ' with source-status' : ''}, and status=${code} finds it`, async () => {
        const rx = await prescription([entry('m1')], { status: column });
        const [e] = await entryIds(rx.id);
        const read = await server.call('GET', `/MedicationRequest/${e!.id}`);
        expect(read.body.status).to.equal(code);
        expect(read.body._status?.extension?.[0]?.valueCode).to.equal(kept ? column : undefined);
        const found = await server.call('GET', `/MedicationRequest?identifier=${rx.number}&status=${code}`);
        expect(found.body.total).to.equal(1);
      });
  });

  describe('search', () => {
    let mine: People;
    let rx: { id: string; number: string };
    let ids: { id: string }[];
    before(async () => {
      mine = await people(server);
      const id = await insertRow(server, 'prescriptions', {
        patientId: mine.patient,
        doctorId: mine.doctor,
        prescriptionNumber: `RX-S-${process.pid}`,
        status: 'active',
        medicines: JSON.stringify([
          entry('m1', { medicineId: medicine }),
          entry('m2', { medicineCode: 'X-9', name: 'Zinc' }),
        ]),
        issuedDate: '2026-03-01T10:00:00',
      });
      rx = { id, number: `RX-S-${process.pid}` };
      ids = await entryIds(id);
    });
    const found = async (query: string) => {
      const reply = await server.call('GET', `/MedicationRequest?${query}`);
      expect(reply.status, reply.text).to.equal(200);
      return (reply.body.entry ?? []).map((e: any) => e.resource.id).sort();
    };
    it('patient, subject, requester, status, intent, authoredon, medication, code, identifier, _lastUpdated', async () => {
      const all = ids.map((i) => i.id).sort();
      const p = `patient=${mine.patient}`;
      expect(await found(p)).to.deep.equal(all);
      expect(await found(`subject=Patient/${mine.patient}`)).to.deep.equal(all);
      expect(await found(`requester=Practitioner/${mine.doctor}`)).to.deep.equal(all);
      expect(await found(`${p}&status=active`)).to.deep.equal(all);
      expect(await found(`${p}&status=completed`)).to.deep.equal([]);
      expect(await found(`${p}&intent=order`)).to.deep.equal(all);
      expect(await found(`${p}&intent=plan`)).to.deep.equal([]);
      expect(await found(`${p}&authoredon=2026-03-01`)).to.deep.equal(all);
      expect(await found(`${p}&authoredon=lt2026-03-01`)).to.deep.equal([]);
      expect(await found(`${p}&medication=Medication/${medicine}`)).to.deep.equal([ids[0]!.id]);
      expect(await found(`${p}&code=X-9`)).to.deep.equal([ids[1]!.id]);
      expect(await found(`${p}&code=zinc`)).to.deep.equal([ids[1]!.id]);
      expect(await found(`identifier=${rx.number}`)).to.deep.equal(all);
      expect(
        await found(`identifier=${server.config.identifierNamespace}/prescription-entry|${rx.number}/m2`),
      ).to.deep.equal([ids[1]!.id]);
      expect(await found(`${p}&_lastUpdated=ge2020-01-01`)).to.deep.equal(all);
      expect(await found(`${p}&_lastUpdated=lt2020-01-01`)).to.deep.equal([]);
    });
  });

  it('writes are not offered yet: POST answers 405', async () => {
    const reply = await server.call('POST', '/MedicationRequest', { body: { resourceType: 'MedicationRequest' } });
    expect(reply.status).to.equal(405);
  });
});
