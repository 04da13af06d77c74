// DocumentReference ⇄ medical_records (http://hl7.org/fhir/R4/documentreference.html): the record's
// fields both ways, the readable attachment, LOINC types, search, versions, hard delete, bad input.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { insertRow, people, putBack, rowOf, type People } from './clinical-fixtures.js';

const SECTIONS = 'https://fhir-interop-server.dev/fhir/StructureDefinition/medical-record-sections';
const CONF = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
const text = (data: string) => Buffer.from(data, 'base64').toString('utf8');

export function newDocument(patient: string, overrides: Record<string, unknown> = {}) {
  return {
    resourceType: 'DocumentReference',
    status: 'current',
    type: { coding: [{ system: 'http://loinc.org', code: '11488-4' }] },
    subject: { reference: `Patient/${patient}` },
    description: 'Follow-up for hypertension',
    securityLabel: [{ coding: [{ system: CONF, code: 'N' }] }],
    content: [
      { attachment: { contentType: 'text/plain', data: Buffer.from('Blood pressure 150/95.').toString('base64') } },
    ],
    context: { period: { start: '2026-03-04' } },
    ...overrides,
  };
}

describe('DocumentReference ⇄ medical_records', function () {
  let server: TestServer;
  let who: People;
  before(async () => {
    server = await startTestServer();
    who = await people(server);
  });
  after(() => server?.stop());

  const record = (values: Record<string, unknown> = {}) =>
    insertRow(server, 'medical_records', {
      patientId: who.patient,
      recordType: 'surgery',
      title: 'Appendectomy',
      description: 'Laparoscopic appendectomy.',
      findings: 'Inflamed appendix.',
      diagnosis: 'Acute appendicitis',
      treatment: 'Antibiotics for 5 days',
      doctorName: 'Dr. Grey',
      doctorId: who.doctor,
      attachmentUrls: ['https://files.example.org/r/1.pdf', 'https://files.example.org/r/2.png'],
      visitDate: '2026-02-01',
      isConfidential: false,
      createdAt: '2026-02-01T10:00:00',
      ...values,
    });

  it('a row written by another application reads with type, subject, author, period, label and content', async () => {
    const id = await record();
    const res = await server.call('GET', `/DocumentReference/${id}`);
    expect(res.status, res.text).to.equal(200);
    const doc = res.body;
    expect(doc.status).to.equal('current');
    expect(doc.type.coding[0]).to.deep.include({ system: 'http://loinc.org', code: '11504-8' });
    expect(doc.type.text).to.equal('surgery');
    expect(doc.subject.reference).to.match(new RegExp(`Patient/${who.patient}$`));
    expect(doc.author[0].reference).to.match(new RegExp(`Practitioner/${who.doctor}$`));
    expect(doc.author[0].display).to.equal('Dr. Grey');
    expect(doc.description).to.equal('Appendectomy');
    expect(doc.date).to.equal('2026-02-01T10:00:00Z');
    expect(doc.context.period.start).to.equal('2026-02-01');
    expect(doc.securityLabel[0].coding[0].code).to.equal('N');
    expect(doc.content).to.have.length(3);
    expect(text(doc.content[0].attachment.data)).to.equal(
      'Laparoscopic appendectomy.\n\nFindings: Inflamed appendix.\n\nDiagnosis: Acute appendicitis\n\nTreatment plan: Antibiotics for 5 days',
    );
    expect(doc.content.slice(1).map((c: any) => c.attachment.url)).to.deep.equal([
      'https://files.example.org/r/1.pdf',
      'https://files.example.org/r/2.png',
    ]);
    expect(doc.extension[0].url).to.equal(SECTIONS);
  });

  it('a confidential (or NULL) record carries securityLabel R', async () => {
    for (const isConfidential of [true, null]) {
      const id = await record({ isConfidential });
      const res = await server.call('GET', `/DocumentReference/${id}`);
      expect(res.body.securityLabel[0].coding[0], String(isConfidential)).to.deep.include({ system: CONF, code: 'R' });
    }
  });

  it('a read resource put back leaves the row unchanged and makes no new version (D4)', async () => {
    const id = await record();
    const before = await rowOf(server, 'medical_records', id);
    const { read, put } = await putBack(server, 'DocumentReference', id);
    expect(put.status, put.text).to.equal(200);
    expect(put.body.meta.versionId).to.equal(read.body.meta.versionId);
    expect(await rowOf(server, 'medical_records', id)).to.deep.equal(before);
  });

  it('create writes the row; update changes it; both are versions', async () => {
    const created = await server.call('POST', '/DocumentReference', { body: newDocument(who.patient) });
    expect(created.status, created.text).to.equal(201);
    const id = created.body.id;
    let row = await rowOf(server, 'medical_records', id);
    expect(row).to.deep.include({
      patientId: who.patient,
      recordType: 'consultation',
      title: 'Follow-up for hypertension',
      description: 'Blood pressure 150/95.',
      visitDate: '2026-03-04',
      isConfidential: false,
    });
    const updated = await server.call('PUT', `/DocumentReference/${id}`, {
      body: {
        ...created.body,
        type: { text: 'diagnosis' },
        securityLabel: [{ coding: [{ system: CONF, code: 'R' }] }],
        author: [{ reference: `Practitioner/${who.doctor}`, display: 'Dr. House' }],
      },
    });
    expect(updated.status, updated.text).to.equal(200);
    expect(updated.body.meta.versionId).to.equal('2');
    row = await rowOf(server, 'medical_records', id);
    expect(row).to.deep.include({
      recordType: 'diagnosis',
      isConfidential: true,
      doctorId: who.doctor,
      doctorName: 'Dr. House',
    });
    const v1 = await server.call('GET', `/DocumentReference/${id}/_history/1`);
    expect(v1.body.type.text).to.equal('consultation');
  });

  it('patch changes one element of the row', async () => {
    const id = await record();
    const res = await server.call('PATCH', `/DocumentReference/${id}`, {
      headers: { 'content-type': 'application/json-patch+json' },
      body: [{ op: 'replace', path: '/description', value: 'Appendectomy (revised)' }],
    });
    expect(res.status, res.text).to.equal(200);
    expect((await rowOf(server, 'medical_records', id)).title).to.equal('Appendectomy (revised)');
  });

  it('delete removes the row; read answers 410 and the history keeps the record', async () => {
    const id = await record();
    const del = await server.call('DELETE', `/DocumentReference/${id}`);
    expect(del.status, del.text).to.be.oneOf([200, 204]);
    expect(await rowOf(server, 'medical_records', id)).to.equal(undefined);
    expect((await server.call('GET', `/DocumentReference/${id}`)).status).to.equal(410);
    const history = await server.call('GET', `/DocumentReference/${id}/_history`);
    expect(history.body.entry).to.have.length(2);
  });

  it('a change made with SQL by another application is a new version (D5)', async () => {
    const id = await record();
    await server.sql.query(`update medical_records set title = 'Changed elsewhere' where id = $1`, [id]);
    const res = await server.call('GET', `/DocumentReference/${id}`);
    expect(res.body.meta.versionId).to.equal('2');
    expect(res.body.description).to.equal('Changed elsewhere');
  });

  it('search: patient, subject, type (LOINC and record type), date, period, author, security-label', async () => {
    const other = await people(server);
    const mine = await insertRow(server, 'medical_records', {
      patientId: other.patient,
      recordType: 'test',
      title: 'CBC',
      description: 'Full blood count.',
      doctorId: other.doctor,
      visitDate: '2025-07-15',
      isConfidential: true,
      createdAt: '2025-07-15T08:00:00',
    });
    const ids = async (q: string) => {
      const res = await server.call('GET', `/DocumentReference?${q}&_count=100`);
      expect(res.status, `${q}: ${res.text}`).to.equal(200);
      return (res.body.entry ?? []).map((e: any) => e.resource.id);
    };
    expect(await ids(`patient=${other.patient}`)).to.deep.equal([mine]);
    expect(await ids(`subject=Patient/${other.patient}`)).to.deep.equal([mine]);
    expect(await ids(`patient=${other.patient}&type=http://loinc.org|11502-2`)).to.deep.equal([mine]);
    expect(await ids(`patient=${other.patient}&type=test`)).to.deep.equal([mine]);
    expect(await ids(`patient=${other.patient}&type=http://loinc.org|11488-4`)).to.deep.equal([]);
    expect(await ids(`patient=${other.patient}&period=2025-07-15`)).to.deep.equal([mine]);
    expect(await ids(`patient=${other.patient}&period=gt2025-08`)).to.deep.equal([]);
    expect(await ids(`patient=${other.patient}&date=2025-07`)).to.deep.equal([mine]);
    expect(await ids(`author=Practitioner/${other.doctor}`)).to.deep.equal([mine]);
    expect(await ids(`patient=${other.patient}&security-label=${CONF}|R`)).to.deep.equal([mine]);
    expect(await ids(`patient=${other.patient}&security-label=N`)).to.deep.equal([]);
    const compartment = await server.call('GET', `/Patient/${other.patient}/DocumentReference`);
    expect(compartment.body.entry.map((e: any) => e.resource.id)).to.deep.equal([mine]);
  });

  describe('bad input: 4xx naming the element, nothing written', () => {
    const count = async () => Number((await server.sql.query('select count(*) from medical_records')).rows[0].count);

    for (const [name, change, expression] of [
      ['an unknown record type', { type: { text: 'horoscope' } }, 'DocumentReference.type'],
      [
        'a LOINC code that is no record type',
        { type: { coding: [{ system: 'http://loinc.org', code: '1-8' }] } },
        'DocumentReference.type',
      ],
      [
        'a subject that does not exist',
        { subject: { reference: 'Patient/6f1c1f0e-0000-4000-8000-000000000000' } },
        'DocumentReference.subject',
      ],
      [
        'a visit period that ends before it starts',
        { context: { period: { start: '2026-03-04', end: '2026-03-01' } } },
        'DocumentReference.context.period.end',
      ],
      [
        'no record text',
        { content: [{ attachment: { url: 'https://files.example.org/x.pdf' } }] },
        'DocumentReference.content',
      ],
      ['a title longer than 200 characters', { description: 'x'.repeat(201) }, 'DocumentReference.description'],
    ] as const) {
      it(`${name} → 422 naming ${expression}`, async () => {
        const before = await count();
        const res = await server.call('POST', '/DocumentReference', { body: newDocument(who.patient, change) });
        expect(res.status, res.text).to.equal(422);
        expect(JSON.stringify(res.body.issue.map((i: any) => i.expression))).to.include(expression);
        expect(await count()).to.equal(before);
      });
    }
  });
});
