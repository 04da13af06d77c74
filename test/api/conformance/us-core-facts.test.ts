// AllergyIntolerance and Condition written through FHIR (minimal, and with what a client adds
// beyond the columns) still meet US Core 3.1.1, checked by the independent validator; and that
// validator does reject what those profiles forbid, so the seeded-output checks can fail.
import { expect } from 'chai';
import { newPatient } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { profileErrors, usCoreProfile } from '../../support/us-core-validator.js';

describe('US Core 3.1.1 › AllergyIntolerance and Condition written through FHIR', function () {
  this.timeout(120000);
  let server: TestServer;
  let patient: string;
  before(async () => {
    server = await startTestServer();
    patient = (await server.call('POST', '/Patient', { body: newPatient() })).body.id;
  });
  after(() => server?.stop());

  it('the validator rejects a Condition without category and an AllergyIntolerance without patient', () => {
    const condition = profileErrors(
      { resourceType: 'Condition', code: { text: 'Asthma' }, subject: { reference: 'Patient/x' } },
      usCoreProfile('condition'),
    );
    expect(condition.join('\n')).to.match(/category/);
    const allergy = profileErrors(
      { resourceType: 'AllergyIntolerance', code: { text: 'Latex' } },
      usCoreProfile('allergyintolerance'),
    );
    expect(allergy.join('\n')).to.match(/patient/);
  });

  for (const [type, profile, body] of [
    [
      'AllergyIntolerance',
      usCoreProfile('allergyintolerance'),
      (text: string, extra: object) => ({
        resourceType: 'AllergyIntolerance',
        patient: { reference: `Patient/${patient}` },
        code: { text },
        ...extra,
      }),
    ],
    [
      'Condition',
      usCoreProfile('condition'),
      (text: string, extra: object) => ({
        resourceType: 'Condition',
        subject: { reference: `Patient/${patient}` },
        code: { text },
        ...extra,
      }),
    ],
  ] as const)
    it(`a minimal ${type} and one with more than the columns hold read back conforming to ${profile}`, async () => {
      const extras = [
        {},
        {
          note: [{ text: 'Reported at admission.' }],
          recordedDate: '2026-01-05',
          ...(type === 'AllergyIntolerance' ? { criticality: 'high' } : { onsetDateTime: '2019-04-01' }),
        },
      ];
      for (const [i, extra] of extras.entries()) {
        const created = await server.call('POST', `/${type}`, { body: body(`${type} entry ${i}`, extra) });
        expect(created.status, created.text).to.equal(201);
        const read = await server.call('GET', `/${type}/${created.body.id}`);
        expect(profileErrors(read.body, profile), JSON.stringify(read.body)).to.deep.equal([]);
      }
    });
});
