// Every row the seed writes (src/seed) renders as a valid resource of its profile, and the
// writable ones go back through FHIR without changing the row (D4, D5).
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { putBack, rowOf } from './clinical-fixtures.js';

const TYPES: [type: string, rows: string, table?: string][] = [
  ['Appointment', 'select id from appointments', 'appointments'],
  ['Encounter', `select id from appointments where status = 'completed'`],
  ['Medication', 'select id from medicines', 'medicines'],
  ['MedicationRequest', 'select id from fhir_prescription_entries'],
  ['Invoice', 'select id from invoices', 'invoices'],
];

describe('seeded rows through the clinical mappings', function () {
  this.timeout(600000);
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      SEED_DEMO: 'true',
      SEED_DEMO_PATIENTS: '12',
      HOSPITAL_TIME_ZONE: 'America/Chicago',
    });
  });
  after(() => server?.stop());

  for (const [type, rows, table] of TYPES)
    it(`every seeded ${type} has a version, reads, and is valid against its profile${table ? '; a PUT of it leaves the row as it was' : ''}`, async () => {
      const { rows: ids } = await server.sql.query<{ id: string }>(rows);
      expect(ids.length, `seeded ${type} rows`).to.be.greaterThan(0);
      const { rows: heads } = await server.sql.query(
        'select count(*)::int as n from fhir_resources where resource_type = $1 and not deleted',
        [type],
      );
      expect(heads[0].n).to.equal(ids.length);
      for (const { id } of ids) {
        const outcome = await server.call('GET', `/${type}/${id}/$validate`);
        expect(outcome.status, outcome.text).to.equal(200);
        const errors = outcome.body.issue.filter((i: any) => i.severity === 'error' || i.severity === 'fatal');
        expect(errors, `${type}/${id}`).to.deep.equal([]);
        if (!table) continue;
        const before = await rowOf(server, table, id);
        const { put } = await putBack(server, type, id);
        expect(put.status, `${type}/${id}: ${put.text}`).to.equal(200);
        expect(await rowOf(server, table, id), `${type}/${id}`).to.deep.equal(before);
      }
    });
});
