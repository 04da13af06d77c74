// Migration20261202000400ClinicalMappings on a database that already has clinical rows: every row
// gets its first version (the backfill), and its down removes what it added and nothing else.
import { expect } from 'chai';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.js';
import { seed } from '../../src/seed/seed.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const BEFORE = 'Migration20261202000000SnapshotByType';
const COUNTS: [type: string, rows: string][] = [
  ['Appointment', 'select count(*)::int as n from appointments'],
  ['Encounter', `select count(*)::int as n from appointments where status = 'completed'`],
  ['Medication', 'select count(*)::int as n from medicines'],
  ['MedicationRequest', 'select count(*)::int as n from prescriptions, jsonb_array_elements(medicines)'],
  ['Invoice', 'select count(*)::int as n from invoices'],
];

describe('migration of the clinical mappings over existing rows', function () {
  this.timeout(300000);
  let database: TestDatabase;
  let db: Database;
  let client: pg.Client;
  const count = async (sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows[0].n as number;
  const versions = (type: string) =>
    count('select count(*)::int as n from fhir_resources where resource_type = $1 and not deleted', [type]);

  before(async () => {
    database = await createTestDatabase();
    db = await openDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolMax: 2 });
    await db.orm.getMigrator().up({ to: BEFORE });
    client = new pg.Client({ connectionString: db.clientUrl });
    await client.connect();
    await seed(db.orm.em.fork(), { patients: 15, doctors: 3, seed: 11 });
  });
  after(async () => {
    await client?.end();
    await db?.close();
    await database?.drop();
  });

  it('before it, the clinical rows have no versions; after it, each has version 1', async () => {
    for (const [type] of COUNTS) expect(await versions(type), type).to.equal(0);
    await db.orm.getMigrator().up();
    for (const [type, rows] of COUNTS) {
      const n = await count(rows);
      expect(n, `${type} rows`).to.be.greaterThan(0);
      expect(await versions(type), type).to.equal(n);
    }
    const { rows } = await client.query(
      `select distinct version_id from fhir_resources where resource_type in ('Appointment', 'Invoice', 'MedicationRequest')`,
    );
    expect(rows).to.deep.equal([{ version_id: 1 }]);
  });

  it('its down removes the versions, functions, triggers and tables it added; up again restores them', async () => {
    const patients = await versions('Patient');
    await db.orm.getMigrator().down({ to: BEFORE });
    for (const [type] of COUNTS) expect(await versions(type), type).to.equal(0);
    expect(await versions('Patient')).to.equal(patients);
    const added = [
      ...COUNTS.flatMap(([type]) => [`fhir_snapshot_${type.toLowerCase()}`, `fhir_is_deleted_${type.toLowerCase()}`]),
      ...['appointments', 'medicines', 'prescriptions', 'invoices'].map((table) => `fhir_track_${table}`),
      'fhir_prescription_entry_id',
    ];
    expect(await count('select count(*)::int as n from pg_proc where proname = any($1)', [added])).to.equal(0);
    expect(
      await count(
        `select count(*)::int as n from pg_trigger where tgname = 'fhir_track' and tgrelid::regclass::text in ('appointments', 'medicines', 'prescriptions', 'invoices')`,
      ),
    ).to.equal(0);
    expect(await count(`select count(*)::int as n from pg_class where relname = 'fhir_prescription_entries'`)).to.equal(
      0,
    );
    // the rows themselves are untouched, and a change to them makes no clinical version
    await client.query(`update invoices set notes = 'after down'`);
    expect(await versions('Invoice')).to.equal(0);
    await db.orm.getMigrator().up();
    expect(await versions('Invoice')).to.equal(await count('select count(*)::int as n from invoices'));
  });
});
