// Practitioner and PractitionerRole over doctors, the SSN at rest, $validate, and the
// CapabilityStatement generated from the registry.
import { expect } from 'chai';
import { mappings } from '../../../mappings/index.js';
import { newPatient, newPractitioner } from '../../support/fhir-client.js';
import { fhirSchemaErrors } from '../../support/fhir-schema.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const SSN = 'http://hl7.org/fhir/sid/us-ssn';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const SID = 'https://fhir-interop-server.dev/fhir/sid';
const typed = (code: string) => ({ coding: [{ system: V2_0203, code }] });

describe('REST › Practitioner, PractitionerRole, SSN, $validate and metadata', function () {
  let server: TestServer;
  let call: TestServer['call'];
  let sql: TestServer['sql'];

  before(async () => {
    server = await startTestServer({ DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') });
    ({ call, sql } = server);
  });
  after(() => server?.stop());

  it('creates a Practitioner with its specialization; the PractitionerRole of the same row carries it', async () => {
    const created = await call('POST', '/Practitioner', {
      body: newPractitioner({
        qualification: [
          {
            code: {
              coding: [
                { system: 'https://fhir-interop-server.dev/fhir/CodeSystem/qualification-kind', code: 'license' },
              ],
              text: 'Medical license',
            },
            identifier: [{ value: 'MD-123' }],
            period: { end: '2030-06-30' },
          },
        ],
      }),
    });
    expect(created.status, created.text).to.equal(201);
    const { rows } = await sql.query(
      'select specialization, "licenseNumber", "licenseExpiry"::text as expiry, u.roles from doctors d join users u on u.id = d."userId" where d.id = $1',
      [created.body.id],
    );
    expect(rows[0]).to.deep.equal({
      specialization: 'Cardiology',
      licenseNumber: 'MD-123',
      expiry: '2030-06-30',
      roles: ['doctor'],
    });
    const role = await call('GET', `/PractitionerRole/${created.body.id}`);
    expect(role.status).to.equal(200);
    expect(role.body.specialty).to.deep.equal([{ text: 'Cardiology' }]);
    expect(role.body.practitioner.reference).to.equal(`Practitioner/${created.body.id}`);
    const search = await call('GET', `/PractitionerRole?practitioner=Practitioner/${created.body.id}`);
    expect(search.body.total).to.equal(1);
  });

  it('refuses a Practitioner without the specialization extension with 422 naming the element', async () => {
    const res = await call('POST', '/Practitioner', { body: newPractitioner({ extension: undefined }) });
    expect(res.status).to.equal(422);
    expect(JSON.stringify(res.body.issue)).to.contain('specialization');
  });

  it('stores the SSN encrypted, never in clear, and still finds the Patient by it', async () => {
    const ssn = '078-05-1120';
    const created = await call('POST', '/Patient', { body: newPatient({ identifier: [{ system: SSN, value: ssn }] }) });
    expect(created.status).to.equal(201);
    const { rows } = await sql.query('select ssn from patients where id = $1', [created.body.id]);
    expect(rows[0].ssn).to.match(/^v1:/);
    expect(rows[0].ssn).not.to.contain('1120');
    const versions = await sql.query(`select snapshot::text as s from fhir_resource_versions where id = $1`, [
      created.body.id,
    ]);
    expect(versions.rows.every((r) => !r.s.includes(ssn))).to.equal(true);
    const found = await call('GET', `/Patient?identifier=${encodeURIComponent(`${SSN}|${ssn}`)}`);
    expect(found.body.total).to.equal(1);
    expect(found.body.entry[0].resource.identifier).to.deep.include({
      system: SSN,
      type: { coding: [{ system: V2_0203, code: 'SS' }] },
      value: ssn,
    });
    expect((await call('GET', `/Patient?identifier=${encodeURIComponent(`${SSN}|000-00-0000`)}`)).body.total).to.equal(
      0,
    );
  });

  it('renders the identifiers the columns hold with their v2-0203 type', async () => {
    const patient = await call('POST', '/Patient', {
      body: newPatient({
        identifier: [
          { system: `${SID}/mrn`, value: 'MRN-77' },
          { system: SSN, value: '219-09-9999' },
        ],
      }),
    });
    expect(patient.status, patient.text).to.equal(201);
    const p = (await call('GET', `/Patient/${patient.body.id}`)).body;
    const number = p.identifier.find((i: any) => i.system === `${SID}/patient-number`).value;
    expect(p.identifier).to.deep.equal([
      { system: `${SID}/mrn`, type: typed('MR'), value: 'MRN-77' },
      { system: SSN, type: typed('SS'), value: '219-09-9999' },
      { system: `${SID}/patient-number`, type: typed('PI'), value: number },
    ]);
    const practitioner = await call('POST', '/Practitioner', {
      body: newPractitioner({
        identifier: [
          { system: `${SID}/doctor-id`, value: 'D-77' },
          { system: `${SID}/license-number`, value: 'LIC-77' },
          { system: `${SID}/registration-number`, value: 'REG-77' },
        ],
      }),
    });
    expect(practitioner.status, practitioner.text).to.equal(201);
    const d = (await call('GET', `/Practitioner/${practitioner.body.id}`)).body;
    const doc = d.identifier.find((i: any) => i.system === `${SID}/practitioner-number`).value;
    expect(d.identifier).to.deep.equal([
      { system: `${SID}/doctor-id`, type: typed('EI'), value: 'D-77' },
      { system: `${SID}/license-number`, type: typed('MD'), value: 'LIC-77' },
      { system: `${SID}/registration-number`, value: 'REG-77' },
      { system: `${SID}/practitioner-number`, type: typed('PRN'), value: doc },
    ]);
  });

  it('keeps the type a client sends on a column identifier beside the column type (D4)', async () => {
    const local = { system: 'http://example.org/fhir/CodeSystem/id-type', code: 'LOCAL' };
    const created = await call('POST', '/Patient', {
      body: newPatient({
        identifier: [
          { system: `${SID}/mrn`, type: { coding: [local], text: 'Chart number' }, value: 'MRN-78' },
          { system: SSN, type: { coding: [{ system: V2_0203, code: 'SB' }] }, value: '219-09-9998' },
        ],
      }),
    });
    expect(created.status, created.text).to.equal(201);
    const p = (await call('GET', `/Patient/${created.body.id}`)).body;
    expect(p.identifier.slice(0, 2)).to.deep.equal([
      {
        system: `${SID}/mrn`,
        type: { coding: [local, { system: V2_0203, code: 'MR' }], text: 'Chart number' },
        value: 'MRN-78',
      },
      {
        system: SSN,
        type: {
          coding: [
            { system: V2_0203, code: 'SB' },
            { system: V2_0203, code: 'SS' },
          ],
        },
        value: '219-09-9998',
      },
    ]);
    const found = await call('GET', `/Patient?identifier:of-type=${encodeURIComponent(`${V2_0203}|MR|MRN-78`)}`);
    expect(found.body.total).to.equal(1);
  });

  it('$validate at type and instance level answers an OperationOutcome', async () => {
    const bad = await call('POST', '/Patient/$validate', { body: { resourceType: 'Patient', gender: 'girl' } });
    expect(bad.status).to.equal(200);
    expect(bad.body.issue.some((i: any) => i.severity === 'error')).to.equal(true);
    const good = await call('POST', '/Patient/$validate', { body: newPatient() });
    expect(good.body.issue).to.deep.equal([
      { severity: 'information', code: 'informational', diagnostics: good.body.issue[0].diagnostics },
    ]);
    const created = await call('POST', '/Patient', { body: newPatient() });
    const instance = await call('GET', `/Patient/${created.body.id}/$validate`);
    expect(instance.body.issue[0].severity).to.equal('information');
  });

  it('the CapabilityStatement lists exactly the registry: resources, interactions, profiles, search parameters', async () => {
    const cs = (await call('GET', '/metadata')).body;
    expect(fhirSchemaErrors(cs)).to.deep.equal([]);
    const resources = cs.rest[0].resource as any[];
    // and Group, served by the Bulk Data module (src/bulk/groups.ts), not a mapping
    expect(resources.map((r) => r.type)).to.deep.equal([...mappings.map((m) => m.resourceType), 'Group']);
    for (const mapping of mappings) {
      const r = resources.find((x) => x.type === mapping.resourceType);
      expect(r.interaction.map((i: any) => i.code)).to.deep.equal([...mapping.interactions]);
      expect(r.profile).to.equal(mapping.profile);
      expect(r.searchParam.map((p: any) => p.name)).to.deep.equal([
        '_id',
        '_lastUpdated',
        ...Object.keys(mapping.search),
      ]);
    }
    const role = resources.find((r) => r.type === 'PractitionerRole');
    expect(role.conditionalDelete).to.equal('not-supported');
    expect(role.interaction.map((i: any) => i.code)).not.to.include('create');
  });

  it('every profile a mapping or one of its sources names is a StructureDefinition in profiles/', async () => {
    const fs = await import('node:fs');
    const urls = fs
      .readdirSync(new URL('../../../profiles/', import.meta.url))
      .filter((f) => f.startsWith('StructureDefinition-'))
      .map((f) => JSON.parse(fs.readFileSync(new URL(`../../../profiles/${f}`, import.meta.url), 'utf8')).url);
    for (const mapping of mappings)
      for (const source of [mapping, ...(mapping.sources ?? [])])
        expect(urls, mapping.resourceType).to.include(source.profile);
  });
});
