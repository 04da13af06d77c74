// AuditEvent ⇄ audit_logs (D9): read and search only, after the IHE Basic Audit Log Patterns, and
// readable only by auditors, or by a patient about their own record.
import { expect } from 'chai';
import { mappings } from '../../../mappings/index.js';
import { auditedRouter } from '../../../src/audit/audited-router.js';
import { fieldSecrets } from '../../../src/db/field-encryption.js';
import { mapContext } from '../../../src/fhir/context.js';
import { FhirError } from '../../../src/fhir/outcome.js';
import { Repository } from '../../../src/fhir/repository.js';
import type { Principal } from '../../../src/fhir/request.js';
import { createFhirRouter } from '../../../src/fhir/router.js';
import { newPatient } from '../../support/fhir-client.js';
import { fhirSchemaErrors } from '../../support/fhir-schema.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const P1 = '0c8f0a4e-1111-4000-8000-000000000001';
const P2 = '0c8f0a4e-2222-4000-8000-000000000002';
const R = (n: number) => `0a0d17e0-0000-4000-8000-00000000000${n}`;

/** Rows as the hospital's application (or an earlier run of ours) left them, all before 2024. */
const ROWS = [
  [R(1), 'u-1', 'READ', 'patients', P1, null, '10.0.0.1', true, null, '2020-01-05 10:00:00'],
  [
    R(2),
    'u-2',
    'UPDATE',
    'Patient',
    P2,
    '{"old":{"gender":"male"},"new":{"gender":"female"}}',
    '10.0.0.2',
    false,
    '422 FHIR-0422: bad',
    '2021-03-01 10:00:00',
  ],
  [
    R(3),
    'u-1',
    'SEARCH',
    'Patient',
    null,
    `{"query":"name=x","patients":["${P1}","${P2}"]}`,
    '192.168.1.1',
    true,
    null,
    '2022-06-01 10:00:00',
  ],
  [R(4), 'u-3', 'LOGIN', 'system', null, null, '10.0.0.1', false, '500: internal error', '2023-01-01 10:00:00'],
  [R(5), 'u-3', 'CREATE', 'Practitioner', R(9), null, null, true, null, '2023-02-01 10:00:00'],
];

describe('audit › AuditEvent (D9, IHE BALP)', function () {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    for (const row of ROWS)
      await server.sql.query(
        `insert into audit_logs (id, "userId", "userEmail", action, "entityType", "entityId", changes, "ipAddress", success, "errorMessage", "createdAt", description)
         values ($1, $2::text, $2::text || '@example.org', $3, $4, $5, $6, $7, $8, $9, $10, 'seeded')`,
        row,
      );
  });
  after(() => server?.stop());

  const ids = async (query: string) => {
    const reply = await server.call('GET', `/AuditEvent?date=lt2024&_count=100&${query}`);
    expect(reply.status, reply.text).to.equal(200);
    return (reply.body.entry ?? []).map((e: any) => e.resource.id).sort();
  };

  it('a Patient read is served as an AuditEvent: rest/read, action R, outcome 0, the agent with its address, the patient', async () => {
    const patient = (await server.call('POST', '/Patient', { body: newPatient() })).body;
    await server.call('GET', `/Patient/${patient.id}`, { headers: { 'user-agent': 'balp-test' } });
    await server.audit.flush();
    const { rows } = await server.sql.query(`select id from audit_logs where action = 'READ' and "entityId" = $1`, [
      patient.id,
    ]);
    const reply = await server.call('GET', `/AuditEvent/${rows[0].id}`);
    expect(reply.status).to.equal(200);
    const event = reply.body;
    expect(fhirSchemaErrors(event)).to.deep.equal([]);
    expect(event.meta.versionId).to.equal('1');
    expect(event.type).to.deep.include({ code: 'rest' });
    expect(event.subtype).to.deep.equal([{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }]);
    expect(event).to.include({ action: 'R', outcome: '0' });
    expect(Date.now() - Date.parse(event.recorded)).to.be.within(0, 120_000);
    expect(event.agent[0].requestor).to.equal(true);
    expect(event.agent[0].who.identifier.value).to.equal('anonymous');
    expect(event.agent[0].network.address).to.match(/127\.0\.0\.1$/);
    expect(event.agent[1].who.display).to.equal('balp-test');
    expect(event.source.observer.display).to.be.a('string');
    expect(event.entity[0].what.reference).to.equal(`Patient/${patient.id}`);
    expect(event.entity[0].role.code).to.equal('1');
  });

  it('rows of the hospital application render too, with failures as outcome 4 or 8 and searches with their patients', async () => {
    const read = async (id: string) => (await server.call('GET', `/AuditEvent/${id}`)).body;
    const r1 = await read(R(1));
    expect(fhirSchemaErrors(r1)).to.deep.equal([]);
    expect(r1.entity[0].what.reference).to.equal(`Patient/${P1}`);
    expect(r1.recorded).to.equal('2020-01-05T10:00:00Z');
    const r2 = await read(R(2));
    expect(r2).to.include({ action: 'U', outcome: '4', outcomeDesc: '422 FHIR-0422: bad' });
    expect(JSON.parse(r2.entity[0].detail[0].valueString)).to.deep.equal({
      old: { gender: 'male' },
      new: { gender: 'female' },
    });
    const r3 = await read(R(3));
    expect(r3.action).to.equal('E');
    expect(Buffer.from(r3.entity[0].query, 'base64').toString()).to.equal('name=x');
    expect(r3.entity.slice(1).map((e: any) => e.what.reference)).to.deep.equal([`Patient/${P1}`, `Patient/${P2}`]);
    const r4 = await read(R(4));
    expect(r4).to.include({ outcome: '8' });
    expect(r4.type).to.deep.include({ code: '110114' });
    expect(r4.subtype[0]).to.deep.include({ code: '110122' });
    for (const event of [r2, r3, r4]) expect(fhirSchemaErrors(event)).to.deep.equal([]);
  });

  it('search: date, agent, action, entity, patient, type, outcome and address select exactly their rows', async () => {
    expect(await ids('')).to.deep.equal([R(1), R(2), R(3), R(4), R(5)]);
    expect(await ids('date=2021')).to.deep.equal([R(2)]);
    expect(await ids('date=ge2022-06-01')).to.deep.equal([R(3), R(4), R(5)]);
    expect(await ids('agent=u-1')).to.deep.equal([R(1), R(3)]);
    expect(await ids('action=R')).to.deep.equal([R(1)]);
    expect(await ids('action=U')).to.deep.equal([R(2)]);
    expect(await ids('action=E')).to.deep.equal([R(3), R(4)]);
    expect(await ids('action=C,U')).to.deep.equal([R(2), R(5)]);
    expect(await ids(`entity=Patient/${P1}`)).to.deep.equal([R(1)]);
    expect(await ids(`entity=Practitioner/${R(9)}`)).to.deep.equal([R(5)]);
    expect(await ids(`entity=Patient/not-a-uuid`)).to.deep.equal([]);
    expect(await ids(`patient=Patient/${P1}`)).to.deep.equal([R(1), R(3)]);
    expect(await ids(`patient=${P2}`)).to.deep.equal([R(2), R(3)]);
    expect(await ids('type=rest')).to.deep.equal([R(1), R(2), R(3), R(5)]);
    expect(await ids('type=http://dicom.nema.org/resources/ontology/DCM|110114')).to.deep.equal([R(4)]);
    expect(await ids('outcome=0')).to.deep.equal([R(1), R(3), R(5)]);
    expect(await ids('outcome=4')).to.deep.equal([R(2)]);
    expect(await ids('outcome=8')).to.deep.equal([R(4)]);
    expect(await ids('address=10.0.0.1')).to.deep.equal([R(1), R(4)]);
    expect(await ids('address=192.168')).to.deep.equal([R(3)]);
    expect(await ids(`agent=u-1&patient=${P2}`)).to.deep.equal([R(3)]);
  });

  it('is read-only: create, update, patch and delete answer 405 and change nothing', async () => {
    const before = (
      await server.sql.query(
        'select count(*)::int as n, max("createdAt") as t from audit_logs where description = $1',
        ['seeded'],
      )
    ).rows[0];
    const event = (await server.call('GET', `/AuditEvent/${R(1)}`)).body;
    const attempts = [
      await server.call('POST', '/AuditEvent', { body: event }),
      await server.call('PUT', `/AuditEvent/${R(1)}`, { body: { ...event, action: 'D' } }),
      await server.call('PATCH', `/AuditEvent/${R(1)}`, {
        raw: '[]',
        headers: { 'content-type': 'application/json-patch+json' },
      }),
      await server.call('DELETE', `/AuditEvent/${R(1)}`),
    ];
    for (const reply of attempts) {
      expect(reply.status, reply.text).to.equal(405);
      expect(reply.body.resourceType).to.equal('OperationOutcome');
    }
    const after = (
      await server.sql.query(
        'select count(*)::int as n, max("createdAt") as t from audit_logs where description = $1',
        ['seeded'],
      )
    ).rows[0];
    expect(after).to.deep.equal(before);
    expect((await server.call('GET', `/AuditEvent/${R(1)}`)).body).to.deep.equal(event);
  });

  it('bad input is a 4xx: an unknown id 404, a bad date 400, a non-uuid id 404', async () => {
    expect((await server.call('GET', `/AuditEvent/${R(8)}`)).status).to.equal(404);
    expect((await server.call('GET', '/AuditEvent/abc')).status).to.equal(404);
    expect((await server.call('GET', '/AuditEvent?date=yesterday')).status).to.equal(400);
    expect((await server.call('GET', `/AuditEvent/${R(1)}/_history/1`)).status).to.equal(405);
  });

  it('is listed in the CapabilityStatement with read and search-type and its search parameters', async () => {
    const cs = (await server.call('GET', '/metadata')).body;
    const resource = cs.rest[0].resource.find((r: any) => r.type === 'AuditEvent');
    expect(resource.interaction.map((i: any) => i.code)).to.deep.equal(['read', 'search-type']);
    expect(resource.searchParam.map((p: any) => p.name)).to.include.members([
      'date',
      'agent',
      'action',
      'entity',
      'patient',
      'type',
      'outcome',
      'address',
    ]);
  });

  describe('access (the rule over the request principal)', function () {
    let handle: (principal: Principal, path: string) => Promise<{ status: number; body?: any }>;

    before(() => {
      const ctx = mapContext(server.config.identifierNamespace, fieldSecrets(undefined));
      const router = auditedRouter(
        createFhirRouter(mappings, () => new Repository(server.db.orm.em, ctx), ctx),
        server.audit,
      );
      handle = async (principal, path) => {
        const [pathname, search = ''] = path.split('?');
        const query = Object.fromEntries(new URLSearchParams(search));
        try {
          const response = await router.handle({
            method: 'GET',
            segments: pathname!.split('/').filter(Boolean),
            baseUrl: 'http://test/fhir',
            query,
            headers: {},
            body: undefined,
            principal,
            clientAddress: '198.51.100.4',
          });
          return { status: response.status, body: JSON.parse(response.text!) };
        } catch (error) {
          if (error instanceof FhirError) return { status: error.status };
          throw error;
        }
      };
    });

    const found = (reply: { body?: any }) => (reply.body.entry ?? []).map((e: any) => e.resource.id).sort();

    it('an auditor or an admin reads and searches every AuditEvent', async () => {
      for (const roles of [['auditor'], ['admin', 'doctor']]) {
        const principal = { userId: 'u-9', roles };
        expect(found(await handle(principal, '/AuditEvent?date=lt2024&_count=100'))).to.deep.equal(
          ROWS.map((r) => r[0]),
        );
        expect((await handle(principal, `/AuditEvent/${R(2)}`)).status).to.equal(200);
      }
    });

    it('a patient sees only the AuditEvents about their own record', async () => {
      const principal = { userId: 'u-1', roles: ['patient'], patientId: P1 };
      expect(found(await handle(principal, '/AuditEvent?date=lt2024&_count=100'))).to.deep.equal([R(1), R(3)]);
      expect(found(await handle(principal, `/AuditEvent?date=lt2024&patient=${P2}`))).to.deep.equal([R(3)]);
      expect((await handle(principal, `/AuditEvent/${R(1)}`)).status).to.equal(200);
      expect((await handle(principal, `/AuditEvent/${R(3)}`)).status).to.equal(200);
      // rows outside the caller's access answer 404, as for every other resource (D8)
      expect((await handle(principal, `/AuditEvent/${R(2)}`)).status).to.equal(404);
      expect((await handle(principal, `/AuditEvent/${R(4)}`)).status).to.equal(404);
      // the rule is the search engine's access filter, so system search keeps to it too
      const system = found(await handle(principal, '/?_type=AuditEvent&_count=1000'));
      expect(system).to.include.members([R(1), R(3)]);
      expect(system.filter((id: string) => [R(2), R(4), R(5)].includes(id))).to.deep.equal([]);
    });

    it('anyone else is refused with 403, and the refusal is audited with who asked and from where', async () => {
      await server.audit.flush();
      await server.sql.query(`delete from audit_logs where description <> 'seeded'`);
      const principal = { userId: '5d2f0b8e-0000-4000-8000-0000000000aa', email: 'doc@example.org', roles: ['doctor'] };
      expect((await handle(principal, '/AuditEvent')).status).to.equal(403);
      expect((await handle(principal, `/AuditEvent/${R(1)}`)).status).to.equal(403);
      await server.audit.flush();
      const { rows } = await server.sql.query(
        `select * from audit_logs where description <> 'seeded' order by "createdAt"`,
      );
      expect(rows.map((r) => [r.action, r.userId, r.userEmail, r.ipAddress, r.success])).to.deep.equal([
        ['SEARCH', principal.userId, 'doc@example.org', '198.51.100.4', false],
        ['READ', principal.userId, 'doc@example.org', '198.51.100.4', false],
      ]);
      for (const row of rows) expect(row.errorMessage).to.match(/^403 FHIR-0403: /);
    });
  });
});
