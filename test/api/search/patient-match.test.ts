// Patient/$match (http://hl7.org/fhir/R4/patient-operation-match.html): candidates from SQL
// blocks, scored, graded with the match-grade extension, onlyCertainMatches and count honoured.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createDataset, MRN, type Dataset } from './dataset.js';

const GRADE = 'http://hl7.org/fhir/StructureDefinition/match-grade';

describe('search › Patient/$match (patient-operation-match.html)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let data: Dataset;

  before(async () => {
    server = await startTestServer();
    data = await createDataset(server);
  });
  after(() => server?.stop());

  const match = (patient: Record<string, unknown>, extra: Record<string, unknown>[] = []) =>
    server.call('POST', '/Patient/$match', {
      body: {
        resourceType: 'Parameters',
        parameter: [{ name: 'resource', resource: { resourceType: 'Patient', ...patient } }, ...extra],
      },
    });
  const summary = (body: any) =>
    (body.entry ?? []).map((e: any) => [
      data.label(e.resource.id),
      e.search.score,
      e.search.extension.find((x: any) => x.url === GRADE).valueCode,
    ]);

  it('a shared identifier is a certain match with score 1', async () => {
    const res = await match({ identifier: [{ system: MRN, value: 'MRN-1' }], name: [{ family: 'Other' }] });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.type).to.equal('searchset');
    expect(summary(res.body)).to.deep.equal([['Ana', 1, 'certain']]);
  });

  it('demographics score by name (accent-insensitive), birth date, gender and telecom', async () => {
    const res = await match({
      name: [{ family: 'MULLER', given: ['ana'] }],
      birthDate: '1980-05-17',
      gender: 'female',
      telecom: [{ system: 'email', value: 'ANA@example.org' }],
    });
    expect(summary(res.body)).to.deep.equal([['Ana', 1, 'probable']]);
    const weaker = await match({ name: [{ family: 'Müller', given: ['Ann'] }], birthDate: '1980-05-17' });
    expect(summary(weaker.body)).to.deep.equal([['Ana', 0.55, 'possible']]);
  });

  it('onlyCertainMatches leaves out what is not certain; count limits the answer', async () => {
    const res = await match({ name: [{ family: 'Müller', given: ['Ana'] }], birthDate: '1980-05-17' }, [
      { name: 'onlyCertainMatches', valueBoolean: true },
    ]);
    expect(res.body.entry ?? []).to.have.length(0);
    const two = await match({ name: [{ family: 'Smith', given: ['Chloe'] }], birthDate: '1975-01-01' });
    expect(summary(two.body).map((s: any) => s[0])).to.deep.equal(['Chloé']);
    const both = {
      identifier: [{ system: MRN, value: 'MRN-1' }],
      name: [{ family: 'Mueller', given: ['Bob'] }],
      birthDate: '1980-12-31',
      telecom: [{ system: 'email', value: 'bob@example.org' }],
    };
    expect(summary((await match(both)).body)).to.deep.equal([
      ['Ana', 1, 'certain'],
      ['Bob', 0.95, 'probable'],
    ]);
    const limited = await match(both, [{ name: 'count', valueInteger: 1 }]);
    expect(limited.body.entry).to.have.length(1);
  });

  it('refuses input that is not a Parameters with a Patient, or that gives nothing to match on', async () => {
    expect((await server.call('POST', '/Patient/$match', { body: { resourceType: 'Patient' } })).status).to.equal(400);
    expect((await match({ gender: 'female' })).status).to.equal(400);
    expect((await server.call('GET', '/Patient/$match')).status).to.equal(405);
  });
});
