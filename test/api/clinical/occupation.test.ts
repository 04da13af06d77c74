// patients.occupation ⇄ the Patient occupation extension (valueString): read, written back, a
// value longer than the column refused naming the element.
import { expect } from 'chai';
import { newPatient } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const OCCUPATION = 'https://fhir-interop-server.dev/fhir/StructureDefinition/occupation';

describe('Patient occupation ⇄ patients.occupation', function () {
  let server: TestServer;
  before(async () => (server = await startTestServer()));
  after(() => server?.stop());
  const occupation = async (id: string) =>
    (await server.sql.query('select occupation from patients where id = $1', [id])).rows[0].occupation;

  it('a value written with SQL reads as the extension; a PUT changes and removes it', async () => {
    const created = await server.call('POST', '/Patient', { body: newPatient() });
    const id = created.body.id;
    await server.sql.query(`update patients set occupation = 'Carpenter' where id = $1`, [id]);
    const read = await server.call('GET', `/Patient/${id}`);
    expect(read.body.extension).to.deep.equal([{ url: OCCUPATION, valueString: 'Carpenter' }]);
    const put = await server.call('PUT', `/Patient/${id}`, {
      body: { ...read.body, extension: [{ url: OCCUPATION, valueString: 'Nurse' }] },
    });
    expect(put.status, put.text).to.equal(200);
    expect(await occupation(id)).to.equal('Nurse');
    const { extension: _dropped, ...without } = put.body;
    expect((await server.call('PUT', `/Patient/${id}`, { body: without })).status).to.equal(200);
    expect(await occupation(id)).to.equal(null);
  });

  it('an occupation longer than 100 characters → 422 naming Patient.extension, nothing written', async () => {
    const res = await server.call('POST', '/Patient', {
      body: newPatient({ extension: [{ url: OCCUPATION, valueString: 'x'.repeat(101) }] }),
    });
    expect(res.status, res.text).to.equal(422);
    expect(JSON.stringify(res.body.issue)).to.include('Patient.extension');
  });
});
