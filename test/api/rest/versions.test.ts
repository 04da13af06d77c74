// Versions (D5): every change of a mapped row, through FHIR or by SQL from another application,
// is a version; concurrent writers never lose an update.
import { expect } from 'chai';
import { newPatient } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';

describe('REST › versions and history of changes made by others (D5)', function () {
  let server: TestServer;
  let call: TestServer['call'];
  let sql: TestServer['sql'];

  before(async () => {
    server = await startTestServer();
    ({ call, sql } = server);
  });
  after(() => server?.stop());

  const create = async () => (await call('POST', '/Patient', { body: newPatient() })).body;

  it('a direct SQL UPDATE by another application shows up as a new version, rendered through the mapping', async () => {
    const patient = await create();
    await sql.query(
      `update users set "lastName" = 'Changed-By-SQL' where id = (select "userId" from patients where id = $1)`,
      [patient.id],
    );
    const read = await call('GET', `/Patient/${patient.id}`);
    expect(read.headers.get('etag')).to.equal('W/"2"');
    expect(read.body.name[0].family).to.equal('Changed-By-SQL');
    const history = await call('GET', `/Patient/${patient.id}/_history`);
    expect(history.body.entry.map((e: any) => e.resource?.name[0].family)).to.deep.equal([
      'Changed-By-SQL',
      'Testperson',
    ]);
    expect((await call('GET', `/Patient/${patient.id}/_history/1`)).body.name[0].family).to.equal('Testperson');
  });

  it('a SQL change to a column the rendering does not read (lastLoginAt) makes no new version', async () => {
    const patient = await create();
    await sql.query(
      `update users set "lastLoginAt" = now(), "updatedAt" = now() where id = (select "userId" from patients where id = $1)`,
      [patient.id],
    );
    expect((await call('GET', `/Patient/${patient.id}`)).headers.get('etag')).to.equal('W/"1"');
  });

  it('rows inserted by SQL become resources; a hard DELETE by SQL is a deletion in history', async () => {
    const { rows } = await sql.query(
      `with u as (insert into users ("userId", email, "firstName", "lastName", password) values ('PAT-777001', 'sql.insert@example.org', 'Sam', 'Sequel', 'x') returning id)
       insert into patients ("userId", "patientId") select id, 'MRN-SQL-1' from u returning id`,
    );
    const id = rows[0].id as string;
    const read = await call('GET', `/Patient/${id}`);
    expect(read.status).to.equal(200);
    expect(read.body.name[0]).to.deep.equal({ use: 'official', family: 'Sequel', given: ['Sam'] });
    await sql.query('delete from users where "userId" = $1', ['PAT-777001']);
    expect((await call('GET', `/Patient/${id}`)).status).to.equal(410);
    const history = await call('GET', `/Patient/${id}/_history`);
    expect(history.body.entry[0].request.method).to.equal('DELETE');
  });

  it('one FHIR update touching users and patients is one version', async () => {
    const patient = await create();
    const res = await call('PUT', `/Patient/${patient.id}`, {
      body: {
        ...patient,
        gender: 'male',
        maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'S' }] },
      },
    });
    expect(res.headers.get('etag')).to.equal('W/"2"');
  });

  it('20 parallel PUTs with the same If-Match: exactly one succeeds, 19 get 412', async () => {
    const patient = await create();
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call('PUT', `/Patient/${patient.id}`, {
          body: { ...patient, birthDate: `1990-01-${String(i + 1).padStart(2, '0')}` },
          headers: { 'if-match': 'W/"1"' },
        }),
      ),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).to.have.length(1);
    expect(statuses.filter((s) => s === 412)).to.have.length(19);
    const history = await call('GET', `/Patient/${patient.id}/_history`);
    expect(history.body.entry).to.have.length(2);
  });

  it('parallel PUTs without If-Match all land, with strictly increasing versions and a complete history', async () => {
    const patient = await create();
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call('PUT', `/Patient/${patient.id}`, {
          body: { ...patient, birthDate: `1991-02-${String(i + 1).padStart(2, '0')}` },
        }),
      ),
    );
    expect(replies.every((r) => r.status === 200)).to.equal(true);
    const versions = replies.map((r) => Number(r.body.meta.versionId)).sort((a, b) => a - b);
    expect(versions).to.deep.equal([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const history = await call('GET', `/Patient/${patient.id}/_history`);
    expect(history.body.entry).to.have.length(11);
  });
});
