// The embedded database (D2): data under DATA_DIR survives a restart, even after SIGKILL, and
// only one process may open the folder.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { lockFileOf } from '../../../src/db/data-dir-lock.js';
import { createTestDatabase, mode, type TestDatabase } from '../../support/database.js';
import { freePort, spawnServer, waitForOk, type ServerProcess } from '../../support/process.js';

async function withSocket<T>(dataDir: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const { databaseSocket } = JSON.parse(fs.readFileSync(lockFileOf(dataDir), 'utf8')) as { databaseSocket: string };
  const client = new pg.Client({ connectionString: `postgresql://postgres@${databaseSocket}/postgres` });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

describe('embedded database › persistence and the single-process rule', function () {
  let database: TestDatabase;
  let first: ServerProcess | undefined;
  let port: number;
  const env = () => ({
    DATA_DIR: database.dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    SEED_DEMO: 'true',
    SEED_DEMO_PATIENTS: '3',
  });

  before(async function () {
    if (mode !== 'embedded') this.skip();
    database = await createTestDatabase();
    port = await freePort();
  });
  after(async () => {
    first?.child.kill('SIGKILL');
    await database?.drop();
  });

  it('npm start on an empty folder migrates, seeds the demo set once and answers /fhir/metadata', async () => {
    first = spawnServer(env());
    await waitForOk(`http://127.0.0.1:${port}/fhir/metadata`, first);
    const counts = await withSocket(
      database.dataDir,
      async (c) => (await c.query('select count(*)::int as n from patients')).rows[0].n,
    );
    expect(counts).to.equal(3);
  });

  it('a second process on the same folder stops with a clear message', async () => {
    const second = spawnServer({ ...env(), PORT: String(await freePort()) });
    expect(await second.exited).to.equal(1);
    expect(second.output()).to.match(/data folder .* is already in use by process \d+/);
  });

  it('rows committed before a SIGKILL are there after a restart, and the demo set is not seeded twice', async () => {
    await withSocket(database.dataDir, (c) =>
      c.query(
        `insert into users ("userId", email, "firstName", "lastName", password) values ('PAT-999999', 'kill@example.org', 'Kill', 'Test', 'x')`,
      ),
    );
    first!.child.kill('SIGKILL');
    await first!.exited;
    expect(fs.existsSync(path.join(database.dataDir, 'server.lock'))).to.equal(true); // stale, left by the kill
    first = spawnServer(env());
    await waitForOk(`http://127.0.0.1:${port}/fhir/metadata`, first);
    const row = await withSocket(
      database.dataDir,
      async (c) => (await c.query(`select email from users where "userId" = 'PAT-999999'`)).rows,
    );
    expect(row).to.deep.equal([{ email: 'kill@example.org' }]);
    const patients = await withSocket(
      database.dataDir,
      async (c) => (await c.query('select count(*)::int as n from patients')).rows[0].n,
    );
    expect(patients).to.equal(3);
  });

  it('SIGTERM stops the server gracefully and releases the folder', async () => {
    first!.child.kill('SIGTERM');
    expect(await first!.exited).to.equal(0);
    expect(fs.existsSync(path.join(database.dataDir, 'server.lock'))).to.equal(false);
    first = undefined;
  });
});
