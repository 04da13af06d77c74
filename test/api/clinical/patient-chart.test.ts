// A patient's chart in one transaction (http://hl7.org/fhir/R4/http.html#transaction): a new
// patient by urn:uuid with two allergies, a problem, a coverage and a medical record, all written
// to the patient's rows together or not at all; read back with _revinclude; the CapabilityStatement
// declares the resources with their US Core profiles and the confidentiality rule.
import { expect } from 'chai';
import fc from 'fast-check';
import { newPatient } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const PATIENT = 'urn:uuid:7a0c0000-0000-4000-8000-0000000000aa';
const SECTIONS = 'https://fhir-interop-server.dev/fhir/StructureDefinition/medical-record-sections';

describe('clinical › a patient chart: records, allergies, problems and coverage', function () {
  let server: TestServer;
  before(async () => (server = await startTestServer()));
  after(() => server?.stop());

  const chart = (allergy2: string) => ({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: PATIENT, resource: newPatient(), request: { method: 'POST', url: 'Patient' } },
      ...['Penicillin', allergy2].map((text) => ({
        resource: { resourceType: 'AllergyIntolerance', patient: { reference: PATIENT }, code: { text } },
        request: { method: 'POST', url: 'AllergyIntolerance' },
      })),
      {
        resource: { resourceType: 'Condition', subject: { reference: PATIENT }, code: { text: 'Asthma' } },
        request: { method: 'POST', url: 'Condition' },
      },
      {
        resource: {
          resourceType: 'Coverage',
          status: 'active',
          beneficiary: { reference: PATIENT },
          payor: [{ display: 'Acme Health' }],
          subscriberId: 'POL-77',
        },
        request: { method: 'POST', url: 'Coverage' },
      },
      {
        resource: {
          resourceType: 'DocumentReference',
          status: 'current',
          type: { text: 'consultation' },
          subject: { reference: PATIENT },
          description: 'First visit',
          content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('Wheezing.').toString('base64') } }],
        },
        request: { method: 'POST', url: 'DocumentReference' },
      },
    ],
  });

  it('writes every part to the patient rows in one transaction, read back with _revinclude', async () => {
    const reply = await server.call('POST', '', { body: chart('Latex') });
    expect(reply.status, reply.text).to.equal(200);
    const patient = /Patient\/([^/]+)/.exec(reply.body.entry[0].response.location)![1];
    const { rows } = await server.sql.query(
      `select allergies, "chronicDiseases" as problems, "insuranceProvider" as payor,
              (select count(*)::int from medical_records m where m."patientId" = p.id) as records
         from patients p where id = $1`,
      [patient],
    );
    expect(rows[0]).to.deep.equal({
      allergies: ['Penicillin', 'Latex'],
      problems: ['Asthma'],
      payor: 'Acme Health',
      records: 1,
    });
    const everything = await server.call(
      'GET',
      `/Patient?_id=${patient}&_revinclude=AllergyIntolerance:patient&_revinclude=Condition:patient&_revinclude=DocumentReference:patient&_revinclude=Coverage:patient`,
    );
    expect(everything.status, everything.text).to.equal(200);
    const types = everything.body.entry.map((e: any) => e.resource.resourceType).sort();
    expect(types).to.deep.equal([
      'AllergyIntolerance',
      'AllergyIntolerance',
      'Condition',
      'Coverage',
      'DocumentReference',
      'Patient',
    ]);
  });

  it('a failing entry (the same allergy twice) rolls the whole chart back', async () => {
    const before = (await server.sql.query('select count(*)::int as n from patients')).rows[0].n;
    const reply = await server.call('POST', '', { body: chart('Penicillin') });
    expect(reply.status, reply.text).to.equal(409);
    expect((await server.sql.query('select count(*)::int as n from patients')).rows[0].n).to.equal(before);
  });

  it('DocumentReference round trip over generated records: the row holds what was sent; put back changes nothing', async () => {
    const created = await server.call('POST', '/Patient', { body: newPatient() });
    const patient = created.body.id;
    const text = (max: number) =>
      fc
        .string({ minLength: 1, maxLength: max })
        .filter((s) => s.trim().length > 0 && [...s].every((c) => c.charCodeAt(0) >= 32));
    const optional = (max: number) => fc.option(text(max), { nil: undefined });
    const record = fc.record({
      type: fc.constantFrom('consultation', 'diagnosis', 'test', 'surgery'),
      title: text(200),
      description: text(300),
      findings: optional(200),
      diagnosis: optional(200),
      treatment: optional(200),
      doctorName: optional(100),
      urls: fc.array(fc.webUrl(), { maxLength: 3 }),
      visit: fc.option(
        fc
          .date({ min: new Date('1990-01-01'), max: new Date('2090-12-31'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10)),
        { nil: undefined },
      ),
      restricted: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(record, async (r) => {
        const sections = (['description', 'findings', 'diagnosis', 'treatment'] as const).flatMap((k) =>
          r[k] !== undefined ? [{ url: k, valueString: r[k] }] : [],
        );
        const body = {
          resourceType: 'DocumentReference',
          extension: [{ url: SECTIONS, extension: sections }],
          status: 'current',
          type: { text: r.type },
          subject: { reference: `Patient/${patient}` },
          ...(r.doctorName ? { author: [{ display: r.doctorName }] } : {}),
          description: r.title,
          securityLabel: [
            {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: r.restricted ? 'R' : 'N' },
              ],
            },
          ],
          content: r.urls.map((url) => ({ attachment: { url } })),
          ...(r.visit ? { context: { period: { start: r.visit } } } : {}),
        };
        const res = await server.call('POST', '/DocumentReference', { body });
        expect(res.status, res.text).to.equal(201);
        const { rows } = await server.sql.query(
          `select "recordType", title, description, findings, diagnosis, treatment, "doctorName", "attachmentUrls",
                  "visitDate"::text, "isConfidential" from medical_records where id = $1`,
          [res.body.id],
        );
        expect(rows[0]).to.deep.equal({
          recordType: r.type,
          title: r.title,
          description: r.description,
          findings: r.findings ?? null,
          diagnosis: r.diagnosis ?? null,
          treatment: r.treatment ?? null,
          doctorName: r.doctorName ?? null,
          attachmentUrls: r.urls,
          visitDate: r.visit ?? null,
          isConfidential: r.restricted,
        });
        const put = await server.call('PUT', `/DocumentReference/${res.body.id}`, { body: res.body });
        expect(put.status, put.text).to.equal(200);
        expect(put.body.meta.versionId).to.equal('1');
      }),
      { numRuns: 20 },
    );
  });

  it('the CapabilityStatement declares the four resources, US Core 3.1.1 beside ours, and the confidentiality rule', async () => {
    const res = await server.call('GET', '/metadata');
    const resource = (type: string) => res.body.rest[0].resource.find((r: any) => r.type === type);
    expect(resource('AllergyIntolerance').supportedProfile).to.include(
      'http://hl7.org/fhir/us/core/StructureDefinition/us-core-allergyintolerance',
    );
    expect(resource('Condition').supportedProfile).to.include(
      'http://hl7.org/fhir/us/core/StructureDefinition/us-core-condition',
    );
    expect(resource('Coverage').interaction.map((i: any) => i.code)).to.include.members(['create', 'update', 'delete']);
    const doc = resource('DocumentReference');
    expect(doc.documentation).to.match(/restricted/);
    expect(doc.searchParam.map((p: any) => p.name)).to.include.members([
      'patient',
      'subject',
      'type',
      'date',
      'period',
      'author',
      'security-label',
    ]);
    expect(resource('Condition').searchParam.map((p: any) => p.name)).to.include.members([
      'patient',
      'code',
      'clinical-status',
      'category',
    ]);
  });
});
