// The stored schema is exactly database-schema.md (D1), built and removed by the migrations.
import fs from 'node:fs';
import { expect } from 'chai';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.js';
import { describeTables, publicObjects, queryOf } from '../support/catalog.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TABLES = [
  'users',
  'patients',
  'doctors',
  'appointments',
  'medical_records',
  'prescriptions',
  'invoices',
  'lab_tests',
  'medicines',
  'audit_logs',
];
const expected = fs
  .readFileSync(new URL('../fixtures/database-schema.expected.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'));

describe('database schema (D1, database-schema.md)', function () {
  let database: TestDatabase;
  let db: Database;
  let client: pg.Client;

  before(async () => {
    database = await createTestDatabase();
    db = await openDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolMax: 2 });
    client = new pg.Client({ connectionString: db.clientUrl });
    await client.connect();
  });
  after(async () => {
    await client?.end();
    await db?.close();
    await database?.drop();
  });

  it('the migrations build every table, column, type, default, key and index of the document', async () => {
    await db.migrate();
    const actual = await describeTables(queryOf(client), TABLES);
    expect(actual).to.deep.equal(expected);
  });

  it('the entities describe the same schema as the migrations (no pending schema diff)', async () => {
    const diff = await db.orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: false });
    expect(diff.trim()).to.equal('');
  });

  it('down after up leaves an empty schema, and up builds it again', async () => {
    const migrator = db.orm.getMigrator();
    await migrator.down({ to: 0 });
    const left = await publicObjects(queryOf(client));
    // only the migrator's own bookkeeping table (and its key and sequence) remain
    expect(left.filter((o) => !o.includes('mikro_orm_migrations'))).to.deep.equal([]);
    const { rows } = await client.query('select count(*)::int as n from mikro_orm_migrations');
    expect(rows[0].n).to.equal(0);
    await migrator.up();
    expect(await describeTables(queryOf(client), TABLES)).to.deep.equal(expected);
  });
});
