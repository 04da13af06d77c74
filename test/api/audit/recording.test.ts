// D9: every FHIR interaction, answered or refused, leaves exactly one audit_logs row with who,
// what, when, from where and the outcome; updates record what changed without secrets.
import { expect } from 'chai';
import { openDatabase } from '../../../src/db/database.js';
import { newPatient } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const KEY = '11'.repeat(32);
const UA = 'audit-test/1.0';

describe('audit › every interaction leaves one audit_logs row (D9)', function () {
  let server: TestServer;
  let call: TestServer['call'];
  let patient: { id: string };

  before(async () => {
    server = await startTestServer({ DATA_ENCRYPTION_KEY: KEY });
    call = (method, path, options = {}) =>
      server.call(method, path, { ...options, headers: { 'user-agent': UA, ...options.headers } });
    patient = (await call('POST', '/Patient', { body: newPatient() })).body;
  });
  after(() => server?.stop());
  async function clear() {
    await server.audit.flush();
    await server.sql.query('delete from audit_logs');
  }
  beforeEach(clear);

  async function rows() {
    await server.audit.flush();
    return (await server.sql.query('select * from audit_logs order by "createdAt"')).rows;
  }
  async function only() {
    const all = await rows();
    expect(all, JSON.stringify(all)).to.have.length(1);
    return all[0];
  }

  it('read: READ of the Patient, anonymous with auth off, with address and user agent', async () => {
    expect((await call('GET', `/Patient/${patient.id}`)).status).to.equal(200);
    const row = await only();
    expect(row).to.include({
      action: 'READ',
      entityType: 'Patient',
      entityId: patient.id,
      userId: 'anonymous',
      userEmail: '',
      userAgent: UA,
      success: true,
      errorMessage: null,
      changes: null,
    });
    expect(row.ipAddress).to.match(/127\.0\.0\.1$/);
    expect(row.description).to.equal(`FHIR read GET /Patient/${patient.id}`);
    expect(Date.now() - new Date(`${row.createdAt.toISOString?.() ?? row.createdAt}`).getTime()).to.be.lessThan(
      60_000 + 24 * 3600_000,
    );
  });

  it('vread and history: VREAD and HISTORY', async () => {
    await call('GET', `/Patient/${patient.id}/_history/1`);
    expect(await only()).to.include({ action: 'VREAD', entityId: patient.id, success: true });
    await clear();
    await call('GET', `/Patient/${patient.id}/_history`);
    expect(await only()).to.include({ action: 'HISTORY', entityId: patient.id, success: true });
    await clear();
    await call('GET', `/_history`);
    expect(await only()).to.include({ action: 'HISTORY', entityType: 'system', entityId: null });
  });

  it('search: SEARCH with the query and the ids of the patients returned', async () => {
    const found = await call('GET', `/Patient?family=Testperson&_count=3`);
    const ids = found.body.entry.map((e: any) => e.resource.id);
    const row = await only();
    expect(row).to.include({ action: 'SEARCH', entityType: 'Patient', entityId: null, success: true });
    expect(row.changes).to.deep.equal({ query: 'family=Testperson&_count=3', patients: ids });
  });

  it('create: CREATE with the new id', async () => {
    const created = await call('POST', '/Patient', { body: newPatient() });
    expect(await only()).to.include({ action: 'CREATE', entityType: 'Patient', entityId: created.body.id });
  });

  it('update: UPDATE with the changed elements before and after, never the SSN', async () => {
    const current = (await call('GET', `/Patient/${patient.id}`)).body;
    await clear();
    const body = {
      ...current,
      gender: 'male',
      identifier: [...current.identifier, { system: 'http://hl7.org/fhir/sid/us-ssn', value: '123-45-6789' }],
    };
    expect((await call('PUT', `/Patient/${patient.id}`, { body })).status).to.equal(200);
    const row = await only();
    expect(row).to.include({ action: 'UPDATE', entityId: patient.id, success: true });
    expect(row.changes.old).to.deep.include({ gender: 'female' });
    expect(row.changes.new).to.deep.include({ gender: 'male' });
    expect(JSON.stringify(row.changes)).not.to.contain('123-45-6789');
    expect(JSON.stringify(row.changes)).not.to.contain('us-ssn');
  });

  it('patch: PATCH with the change', async () => {
    const reply = await call('PATCH', `/Patient/${patient.id}`, {
      raw: JSON.stringify([{ op: 'replace', path: '/birthDate', value: '1990-01-01' }]),
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expect(reply.status).to.equal(200);
    const row = await only();
    expect(row).to.include({ action: 'PATCH', entityId: patient.id });
    expect(row.changes.new).to.deep.equal({ birthDate: '1990-01-01' });
  });

  it('operation: $validate is an OPERATION', async () => {
    await call('POST', '/Patient/$validate', { body: newPatient() });
    expect(await only()).to.include({ action: 'OPERATION', entityType: 'Patient', success: true });
  });

  it('delete: DELETE of the Patient', async () => {
    const created = (await call('POST', '/Patient', { body: newPatient() })).body;
    await clear();
    expect((await call('DELETE', `/Patient/${created.id}`)).status).to.equal(204);
    expect(await only()).to.include({ action: 'DELETE', entityId: created.id, success: true });
  });

  it('failures are audited: 404, 410, 422, 400 and 405, each with its status and message', async () => {
    const cases: [string, string, object, number, string][] = [
      ['GET', '/Patient/0b7d4c1e-0000-4000-8000-000000000000', {}, 404, 'READ'],
      ['GET', '/Unknown/1', {}, 404, 'READ'],
      ['POST', '/Patient', { body: { resourceType: 'Patient', gender: 'male' } }, 422, 'CREATE'],
      ['GET', '/Patient?birthdate=yesterday', {}, 400, 'SEARCH'],
      ['POST', `/Patient/${patient.id}/_history`, {}, 405, 'HISTORY'],
    ];
    for (const [method, path, options, status, action] of cases) {
      await clear();
      expect((await call(method, path, options)).status, path).to.equal(status);
      const row = await only();
      expect(row, path).to.include({ action, success: false });
      expect(row.errorMessage, path).to.match(new RegExp(`^${status} FHIR-\\d{4}: `));
    }
  });

  it('refusals before the FHIR router are audited: a body that is no JSON (400), too large (413), of another type (415)', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ raw: '{"resourceType": "Patient",', headers: { 'content-type': 'application/fhir+json' } }, 400, 'CREATE'],
      [
        {
          raw: JSON.stringify(newPatient({ text: { status: 'generated', div: 'x'.repeat(6 * 1024 * 1024) } })),
          headers: { 'content-type': 'application/fhir+json' },
        },
        413,
        'CREATE',
      ],
      [{ raw: '<Patient/>', headers: { 'content-type': 'application/fhir+xml' } }, 415, 'CREATE'],
    ];
    for (const [options, status, action] of cases) {
      await clear();
      const reply = await call('POST', '/Patient', options);
      expect(reply.status, reply.text.slice(0, 300)).to.equal(status);
      const row = await only();
      expect(row, String(status)).to.include({ action, entityType: 'Patient', success: false, userAgent: UA });
      expect(row.errorMessage).to.match(new RegExp(`^${status} FHIR-\\d{4}: `));
    }
  });

  it('a batch leaves one row per entry, refused ones too, and one for the Bundle', async () => {
    const reply = await call('POST', '', {
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { request: { method: 'GET', url: `Patient/${patient.id}` } },
          { request: { method: 'GET', url: 'Patient/0b7d4c1e-0000-4000-8000-000000000000' } },
          { request: { method: 'POST', url: 'Patient' }, resource: newPatient() },
        ],
      },
    });
    expect(reply.status, reply.text).to.equal(200);
    const created = /Patient\/([^/]+)\//.exec(reply.body.entry[2].response.location)![1];
    const all = await rows();
    expect(all.map((r: any) => [r.action, r.entityType, r.entityId, r.success])).to.have.deep.members([
      ['READ', 'Patient', patient.id, true],
      ['READ', 'Patient', '0b7d4c1e-0000-4000-8000-000000000000', false],
      ['CREATE', 'Patient', created, true],
      ['OPERATION', 'Bundle', null, true],
    ]);
    expect(all.find((r: any) => r.entityType === 'Bundle').description).to.equal('FHIR batch POST /');
    expect(all.find((r: any) => r.success === false).errorMessage).to.match(/^404 FHIR-0404: /);
  });

  it('a transaction leaves a row per entry once committed; a rolled-back one only its own failure', async () => {
    const committed = await call('POST', '', {
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            fullUrl: 'urn:uuid:5b1d2c3e-0000-4000-8000-000000000001',
            request: { method: 'POST', url: 'Patient' },
            resource: newPatient(),
          },
          { request: { method: 'GET', url: `Patient/${patient.id}` } },
        ],
      },
    });
    expect(committed.status, committed.text).to.equal(200);
    expect((await rows()).map((r: any) => [r.action, r.entityType, r.success])).to.have.deep.members([
      ['CREATE', 'Patient', true],
      ['READ', 'Patient', true],
      ['OPERATION', 'Bundle', true],
    ]);
    await clear();
    const failed = await call('POST', '', {
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { request: { method: 'POST', url: 'Patient' }, resource: newPatient() },
          { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', gender: 'male' } },
        ],
      },
    });
    expect(failed.status).to.equal(422);
    const row = await only();
    expect(row).to.include({ action: 'OPERATION', entityType: 'Bundle', success: false });
    expect(row.description).to.equal('FHIR transaction POST /');
  });

  it('many requests at once: one row each, written in batches', async () => {
    await Promise.all(Array.from({ length: 60 }, () => call('GET', `/Patient/${patient.id}`)));
    expect(await rows()).to.have.length(60);
  });
});

describe('audit › graceful stop', function () {
  it('rows still queued when the server stops are written before the database closes', async () => {
    const server = await startTestServer();
    const { database } = server;
    const created = (await server.call('POST', '/Patient', { body: newPatient() })).body;
    await Promise.all(Array.from({ length: 25 }, () => server.call('GET', `/Patient/${created.id}`)));
    for (let i = 0; i < 1000; i++)
      server.audit.record({ action: 'LOGIN', entityType: 'system', description: 'queued at stop' });
    await server.sql.end();
    await server.close();
    const db = await openDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolMax: 1 });
    try {
      const [row] = await db.orm.em
        .fork()
        .execute<{ n: number }[]>(
          `select count(*)::int as n from audit_logs where action = 'READ' and "entityId" = ?`,
          [created.id],
        );
      expect(row!.n).to.equal(25);
      const [queued] = await db.orm.em
        .fork()
        .execute<{ n: number }[]>(`select count(*)::int as n from audit_logs where description = 'queued at stop'`);
      expect(queued!.n).to.equal(1000);
    } finally {
      await db.close();
      await database.drop();
    }
  });
});

describe('audit › configuration', function () {
  it('TRUST_PROXY: the address comes from X-Forwarded-For only when the proxy is trusted', async () => {
    for (const [trust, expected] of [
      ['loopback', '203.0.113.7'],
      ['false', undefined],
    ] as const) {
      const server = await startTestServer({ TRUST_PROXY: trust });
      try {
        const created = await server.call('POST', '/Patient', {
          body: newPatient(),
          headers: { 'x-forwarded-for': '203.0.113.7' },
        });
        await server.audit.flush();
        const { rows } = await server.sql.query('select "ipAddress" from audit_logs where "entityId" = $1', [
          created.body.id,
        ]);
        if (expected) expect(rows[0].ipAddress).to.equal(expected);
        else expect(rows[0].ipAddress).to.match(/127\.0\.0\.1$/);
      } finally {
        await server.stop();
      }
    }
  });

  it('AUDIT_ENABLED=false records nothing', async () => {
    const server = await startTestServer({ AUDIT_ENABLED: 'false' });
    try {
      await server.call('POST', '/Patient', { body: newPatient() });
      await server.call('GET', '/Patient');
      await server.audit.flush();
      expect((await server.sql.query('select count(*)::int as n from audit_logs')).rows[0].n).to.equal(0);
    } finally {
      await server.stop();
    }
  });
});
