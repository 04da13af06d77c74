// Our output meets US Core 3.1.1 where a mapping declares its profile: every resource the seed
// makes, read over HTTP, passes an independent validator (@medplum/core) with the US Core
// StructureDefinitions, and the CapabilityStatement declares exactly those profiles.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { profileErrors, usCoreProfile } from '../../support/us-core-validator.js';

/** Our types that follow a US Core 3.1.1 profile (PractitionerRole and Encounter do not: no Organization, no type). */
const US_CORE: [type: string, profile: string][] = [
  ['Patient', usCoreProfile('patient')],
  ['Practitioner', usCoreProfile('practitioner')],
  ['Medication', usCoreProfile('medication')],
  ['MedicationRequest', usCoreProfile('medicationrequest')],
  ['AllergyIntolerance', usCoreProfile('allergyintolerance')],
  ['Condition', usCoreProfile('condition')],
  ['DocumentReference', usCoreProfile('documentreference')],
];

describe('US Core 3.1.1 conformance of our output', function () {
  this.timeout(600000);
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ SEED_DEMO: 'true', SEED_DEMO_PATIENTS: '12' });
  });
  after(() => server?.stop());

  it('the validator itself rejects what US Core forbids (a Patient without identifier and gender)', () => {
    const errors = profileErrors({ resourceType: 'Patient', name: [{ family: 'Doe' }] }, usCoreProfile('patient'));
    expect(errors.join('\n'))
      .to.match(/Patient\.identifier/)
      .and.match(/Patient\.gender/);
  });

  for (const [type, profile] of US_CORE) {
    it(`every seeded ${type} conforms to ${profile}`, async () => {
      let path: string | undefined = `/${type}?_count=200`;
      let checked = 0;
      const failures: string[] = [];
      while (path) {
        const page = await server.call('GET', path);
        expect(page.status, page.text).to.equal(200);
        for (const { resource } of page.body.entry ?? []) {
          if (resource.resourceType !== type) continue;
          checked++;
          for (const error of profileErrors(resource, profile)) failures.push(`${type}/${resource.id} ${error}`);
        }
        const next = page.body.link?.find((l: { relation: string }) => l.relation === 'next')?.url as
          string | undefined;
        path = next ? next.slice(next.indexOf(`/${type}`)) : undefined;
      }
      expect(checked, `seeded ${type} resources`).to.be.greaterThan(0);
      expect(failures.slice(0, 20)).to.deep.equal([]);
    });

    if (type === 'DocumentReference')
      // a required binding the validator does not check: LOINC document codes, or NullFlavor UNK
      it('every DocumentReference.type has a LOINC document code or UNK, whatever recordType holds', async () => {
        const patient = (await server.call('GET', '/Patient?_count=1')).body.entry[0].resource.id as string;
        await server.sql.query(
          `insert into medical_records ("patientId", "recordType", title, description)
           values ($1, 'diagnosis', 'Diagnosis', 'Seen.'), ($1, 'telehealth', 'Video visit', 'Seen.')`,
          [patient],
        );
        const page = await server.call('GET', `/DocumentReference?patient=${patient}&_count=200`);
        const types = (
          page.body.entry as { resource: { type: { coding: { system: string; code: string }[]; text: string } } }[]
        ).map(({ resource }) => resource.type);
        expect(types.map((t) => t.text)).to.include.members(['diagnosis', 'telehealth']);
        for (const t of types) {
          const bound = t.coding.filter(
            (c) =>
              c.system === 'http://loinc.org' ||
              (c.system === 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor' && c.code === 'UNK'),
          );
          expect(bound, JSON.stringify(t)).to.have.length(1);
        }
        expect(types.find((t) => t.text === 'diagnosis')!.coding[0]!.code).to.equal('UNK');
      });

    it(`the CapabilityStatement declares ${profile} for ${type}`, async () => {
      const { body } = await server.call('GET', '/metadata');
      const resource = body.rest[0].resource.find((r: { type: string }) => r.type === type);
      expect(resource.supportedProfile ?? []).to.include(profile);
    });
  }
});
