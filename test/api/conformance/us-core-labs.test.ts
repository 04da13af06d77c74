// Our lab output meets US Core 3.1.1 DiagnosticReport-lab and Observation-lab: every seeded lab
// result and blood type, every seeded report that is collected and issued, and what a lab's
// transaction writes, read over HTTP, pass the independent validator (@medplum/core with the
// published profiles); the seeded vital signs pass the FHIR core vital signs profiles.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { profileErrors, usCoreProfile } from '../../support/us-core-validator.js';
import { labTransaction, order } from '../labs/lab-fixtures.js';
import { people } from '../clinical/clinical-fixtures.js';

const REPORT = usCoreProfile('diagnosticreport-lab');
const RESULT = usCoreProfile('observation-lab');

describe('US Core 3.1.1 conformance of the lab resources', function () {
  this.timeout(600000);
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ SEED_DEMO: 'true', SEED_DEMO_PATIENTS: '12' });
  });
  after(() => server?.stop());

  async function all(path: string, type: string): Promise<any[]> {
    const out: any[] = [];
    let next: string | undefined = path;
    while (next) {
      const page = await server.call('GET', next);
      expect(page.status, page.text).to.equal(200);
      out.push(...(page.body.entry ?? []).map((e: any) => e.resource).filter((r: any) => r.resourceType === type));
      const link = page.body.link?.find((l: { relation: string }) => l.relation === 'next')?.url as string | undefined;
      next = link ? link.slice(link.indexOf(`/${type}`)) : undefined;
    }
    return out;
  }

  it('the validator itself rejects a report without category, effective and issued, and a result without category', () => {
    const errors = profileErrors(
      { resourceType: 'DiagnosticReport', status: 'final', code: { text: 'CBC' }, subject: { reference: 'Patient/1' } },
      REPORT,
    ).join('\n');
    expect(errors)
      .to.match(/category/)
      .and.match(/effective/)
      .and.match(/issued/);
    const result = profileErrors(
      {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'Glucose' },
        subject: { reference: 'Patient/1' },
        valueQuantity: { value: 5, system: 'http://unitsofmeasure.org', code: 'mg/dL' },
      },
      RESULT,
    ).join('\n');
    // (@medplum/core does not evaluate us-core-3, the UCUM system rule: the server checks UCUM itself)
    expect(result).to.match(/Observation\.category/);
  });

  it('every seeded lab result and blood type conforms to us-core-observation-lab', async () => {
    const results = await all('/Observation?category=laboratory&_count=500', 'Observation');
    expect(
      results.some((r) => r.code.coding?.[0]?.code === '882-1'),
      'seeded blood types',
    ).to.equal(true);
    expect(results.length, 'seeded Observations').to.be.greaterThan(0);
    const failures = results.flatMap((r) => profileErrors(r, RESULT).map((e) => `Observation/${r.id} ${e}`));
    expect(failures.slice(0, 20)).to.deep.equal([]);
  });

  it('every seeded vital sign conforms to the FHIR core vitalsigns profile and the one of its kind', async () => {
    const vitals = await all('/Observation?category=vital-signs&_count=500', 'Observation');
    const core = 'http://hl7.org/fhir/StructureDefinition';
    const byCode: Record<string, string> = { '8302-2': 'bodyheight', '29463-7': 'bodyweight', '39156-5': 'bmi' };
    expect(new Set(vitals.map((r) => r.code.coding[0].code))).to.deep.equal(new Set(Object.keys(byCode)));
    const failures = vitals.flatMap((r) =>
      [`${core}/vitalsigns`, `${core}/${byCode[r.code.coding[0].code]}`].flatMap((profile) =>
        profileErrors(r, profile).map((e) => `Observation/${r.id} ${profile} ${e}`),
      ),
    );
    expect(failures.slice(0, 20)).to.deep.equal([]);
  });

  it('every seeded report that is collected and issued conforms to us-core-diagnosticreport-lab', async () => {
    const reports = (await all('/DiagnosticReport?_count=500', 'DiagnosticReport')).filter(
      (r) => r.effectiveDateTime && r.issued,
    );
    expect(reports.length, 'seeded completed reports').to.be.greaterThan(0);
    const failures = reports.flatMap((r) => profileErrors(r, REPORT).map((e) => `DiagnosticReport/${r.id} ${e}`));
    expect(failures.slice(0, 20)).to.deep.equal([]);
  });

  it("a lab's transaction reads back as a conforming report and conforming results", async () => {
    const who = await people(server);
    const orderId = await order(server, who.patient);
    const posted = await server.call('POST', '', { body: labTransaction(who.patient, orderId, 3) });
    expect(posted.status, posted.text).to.equal(200);
    const read = await server.call('GET', `/DiagnosticReport?_id=${orderId}&_include=DiagnosticReport:result`);
    const resources = read.body.entry.map((e: any) => e.resource);
    expect(resources).to.have.length(4);
    for (const resource of resources)
      expect(
        profileErrors(resource, resource.resourceType === 'DiagnosticReport' ? REPORT : RESULT),
        resource.id,
      ).to.deep.equal([]);
  });

  for (const [type, profile] of [
    ['DiagnosticReport', REPORT],
    ['Observation', RESULT],
  ])
    it(`the CapabilityStatement declares ${profile} for ${type}`, async () => {
      const { body } = await server.call('GET', '/metadata');
      const resource = body.rest[0].resource.find((r: { type: string }) => r.type === type);
      expect(resource.supportedProfile ?? []).to.include(profile);
    });
});
