// New resource types plug their own fhir_snapshot_<type> and fhir_is_deleted_<type> functions into
// the version machinery (Migration20261202000000SnapshotByType), without touching the shared ones.
import { expect } from 'chai';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe('versions of resource types that bring their own snapshot function', function () {
  let database: TestDatabase;
  let db: Database;
  let client: pg.Client;
  const id = '6f1c1d2e-0000-4000-8000-000000000001';

  before(async () => {
    database = await createTestDatabase();
    db = await openDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolMax: 2 });
    await db.migrate();
    client = new pg.Client({ connectionString: db.clientUrl });
    await client.connect();
    await client.query(`create table scratch_things (id uuid primary key, label text, gone boolean not null)`);
    await client.query(`create function fhir_snapshot_scratchthing(p_id uuid) returns jsonb language sql stable as $$
      select jsonb_build_object('scratch_things', to_jsonb(t)) from scratch_things t where t.id = p_id $$`);
    await client.query(`create function fhir_is_deleted_scratchthing(p_snapshot jsonb) returns boolean
      language sql immutable as $$ select (p_snapshot->'scratch_things'->>'gone')::boolean $$`);
  });
  after(async () => {
    await client?.end();
    await db?.close();
    await database?.drop();
  });

  const head = async (type: string) =>
    (
      await client.query<{ version_id: number; deleted: boolean }>(
        'select version_id, deleted from fhir_resources where resource_type = $1 and id = $2',
        [type, id],
      )
    ).rows;

  it('a row becomes version 1, a change version 2, and the type function decides deletion', async () => {
    await client.query(`insert into scratch_things values ($1, 'first', false)`, [id]);
    await client.query(`select fhir_bump('ScratchThing', $1)`, [id]);
    expect(await head('ScratchThing')).to.deep.equal([{ version_id: 1, deleted: false }]);

    await client.query(`update scratch_things set gone = true where id = $1`, [id]);
    await client.query(`select fhir_bump('ScratchThing', $1)`, [id]);
    expect(await head('ScratchThing')).to.deep.equal([{ version_id: 2, deleted: true }]);
    const { rows } = await client.query(
      `select snapshot->'scratch_things'->>'label' as label from fhir_resource_versions where id = $1 and version_id = 2`,
      [id],
    );
    expect(rows).to.deep.equal([{ label: 'first' }]);
  });

  it('a type without a snapshot function gets no version', async () => {
    await client.query(`select fhir_bump('NoSuchType', $1)`, [id]);
    expect(await head('NoSuchType')).to.deep.equal([]);
  });
});
