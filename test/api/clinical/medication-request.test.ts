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

  describe('writes', () => {
    const order = (subject: string, extra: Record<string, unknown> = {}) => ({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      medicationReference: { reference: `Medication/${medicine}` },
      subject: { reference: `Patient/${subject}` },
      authoredOn: '2026-05-01T08:00:00Z',
      requester: { reference: `Practitioner/${who.doctor}` },
      dosageInstruction: [
        {
          text: 'twice daily',
          timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd' } },
          route: { text: 'oral' },
          doseAndRate: [{ doseQuantity: { value: 1, unit: 'capsule' } }],
        },
      ],
      dispenseRequest: {
        quantity: { value: 14, unit: 'capsule' },
        expectedSupplyDuration: { value: 7, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' },
      },
      ...extra,
    });
    const prescriptionOf = async (id: string) =>
      (
        await server.sql.query(
          `select rx.* from fhir_prescription_entries x join prescriptions rx on rx.id = x.prescription_id where x.id = $1`,
          [id],
        )
      ).rows[0];

    it('a POST makes a prescription with one entry and a generated number; a second with its groupIdentifier joins it', async () => {
      const first = await server.call('POST', '/MedicationRequest', { body: order(who.patient) });
      expect(first.status, first.text).to.equal(201);
      const row = await prescriptionOf(first.body.id);
      expect(row.prescriptionNumber).to.match(/^RX-\d{7}$/);
      expect(row.medicines).to.have.length(1);
      expect(row.medicines[0]).to.deep.include({
        id: 'm1',
        medicineId: medicine,
        name: 'Amoxil',
        genericName: 'Amoxicillin',
        strength: '500mg',
        form: 'Capsule',
        dose: { value: 1, unit: 'capsule' },
        frequency: { text: 'twice daily', count: 2, period: 1, periodUnit: 'd' },
        duration: { value: 7, unit: 'd' },
        quantity: { value: 14, unit: 'capsule' },
        route: 'oral',
      });
      expect(first.body.groupIdentifier.value).to.equal(row.prescriptionNumber);
      const second = await server.call('POST', '/MedicationRequest', {
        body: order(who.patient, { groupIdentifier: first.body.groupIdentifier }),
      });
      expect(second.status, second.text).to.equal(201);
      const again = await prescriptionOf(second.body.id);
      expect(again.id).to.equal(row.id);
      expect(again.medicines.map((m: any) => m.id)).to.deep.equal(['m1', 'm2']);
      expect(second.body.identifier[0].value).to.equal(`${row.prescriptionNumber}/m2`);
      // the first request did not change
      expect((await server.call('GET', `/MedicationRequest/${first.body.id}`)).body.meta.versionId).to.equal('1');
    });

    it("a request for another patient than its group's → 422 at subject, nothing written", async () => {
      const first = await server.call('POST', '/MedicationRequest', { body: order(who.patient) });
      const other = await people(server);
      const reply = await server.call('POST', '/MedicationRequest', {
        body: order(other.patient, { groupIdentifier: first.body.groupIdentifier }),
      });
      expect(reply.status, reply.text).to.equal(422);
      expect(reply.body.issue[0].expression).to.deep.equal(['MedicationRequest.subject']);
      expect((await prescriptionOf(first.body.id)).medicines).to.have.length(1);
    });

    it('bad input → 4xx naming the element, nothing written', async () => {
      const count = async () => (await server.sql.query('select count(*)::int as n from prescriptions')).rows[0].n;
      const before = await count();
      for (const [body, expression] of [
        [order(who.patient, { intent: 'plan' }), 'MedicationRequest.intent'],
        [
          order(who.patient, { medicationReference: { reference: 'Medication/00000000-0000-4000-8000-000000000000' } }),
          'MedicationRequest.medicationReference',
        ],
        [order('00000000-0000-4000-8000-000000000000'), 'MedicationRequest.subject'],
        [order(who.patient, { authoredOn: undefined }), 'MedicationRequest.authoredOn'],
        [
          order(who.patient, { dosageInstruction: [{ text: 'as you like' }] }),
          'MedicationRequest.dosageInstruction[0]',
        ],
        [order(who.patient, { status: 'sometimes' }), 'MedicationRequest.status'],
      ] as const) {
        const reply = await server.call('POST', '/MedicationRequest', { body: JSON.parse(JSON.stringify(body)) });
        expect(reply.status, `${expression}: ${reply.text}`).to.be.within(400, 422);
        expect(
          reply.body.issue.flatMap((i: any) => i.expression ?? []),
          reply.text,
        ).to.include(expression);
      }
      expect(await count()).to.equal(before);
      const put = await server.call('PUT', '/MedicationRequest/6f1c1d2e-0000-4000-8000-00000000abcd', {
        body: { ...order(who.patient), id: '6f1c1d2e-0000-4000-8000-00000000abcd' },
      });
      expect(put.status).to.equal(422);
    });

    it('concurrent creates get distinct prescription numbers; concurrent joins of one group get distinct entries', async () => {
      const created = await Promise.all(
        Array.from({ length: 6 }, () => server.call('POST', '/MedicationRequest', { body: order(who.patient) })),
      );
      expect(created.map((r) => r.status)).to.deep.equal([201, 201, 201, 201, 201, 201]);
      expect(new Set(created.map((r) => r.body.groupIdentifier.value)).size).to.equal(6);
      const group = created[0]!.body.groupIdentifier;
      const joined = await Promise.all(
        Array.from({ length: 5 }, () =>
          server.call('POST', '/MedicationRequest', { body: order(who.patient, { groupIdentifier: group }) }),
        ),
      );
      expect(joined.map((r) => r.status)).to.deep.equal([201, 201, 201, 201, 201]);
      const row = await prescriptionOf(created[0]!.body.id);
      expect(row.medicines.map((m: any) => m.id).sort()).to.deep.equal(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    });

    it('a stored entry put back through FHIR leaves its prescription row unchanged', async () => {
      const rx = await prescription(
        [
          entry('m1', { medicineId: medicine }),
          entry('m2', { refills: undefined, duration: undefined, route: undefined }),
        ],
        {
          diagnosis: 'Otitis',
          notes: 'Call if worse.',
          isRecurring: true,
          recurringEndDate: '2026-09-01T00:00:00.5',
          isDigitallySigned: false,
          pharmacyNotified: null,
          status: 'issued',
        },
      );
      const rowBefore = (
        await server.sql.query(`select to_jsonb(rx) - 'updatedAt' as r from prescriptions rx where id = $1`, [rx.id])
      ).rows[0].r;
      for (const { id } of await entryIds(rx.id)) {
        const read = await server.call('GET', `/MedicationRequest/${id}`);
        const put = await server.call('PUT', `/MedicationRequest/${id}`, { body: read.body });
        expect(put.status, put.text).to.equal(200);
      }
      const rowAfter = (
        await server.sql.query(`select to_jsonb(rx) - 'updatedAt' as r from prescriptions rx where id = $1`, [rx.id])
      ).rows[0].r;
      expect(rowAfter).to.deep.equal(rowBefore);
    });
  });
});
