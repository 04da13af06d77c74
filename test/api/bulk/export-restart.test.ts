// An export survives its server (D11): the process running a job is killed (SIGKILL) mid-export,
// a new one starts on the same database, the job's lease runs out and the job resumes there: the
// same status URL ends in a complete manifest whose files hold each resource once.
import { expect } from 'chai';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { fhirClient } from '../../support/fhir-client.js';
import { freePort, spawnServer, waitForOk, type ServerProcess } from '../../support/process.js';

describe('bulk › $export across a killed server', function () {
  this.timeout(180000);
  let database: TestDatabase;
  let proc: ServerProcess | undefined;
  let port: number;

  const env = () => ({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: database.dataDir,
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    SEED_DEMO: 'true',
    SEED_DEMO_PATIENTS: '30',
    EXPORT_BATCH_SIZE: '1',
    EXPORT_LEASE_SECONDS: '2',
    EXPORT_POLL_MS: '50',
    LOG_LEVEL: 'warn',
  });

  async function start() {
    const started = spawnServer(env());
    proc = started;
    try {
      await waitForOk(`http://127.0.0.1:${port}/readyz`, started, 120000);
    } catch (error) {
      // the exit event can come before the last output: wait for it
      await new Promise((r) => setTimeout(r, 500));
      throw new Error(`${(error as Error).message}\n${started.output()}`);
    }
  }

  before(async () => {
    database = await createTestDatabase();
    port = await freePort();
  });
  after(async () => {
    proc?.child.kill('SIGKILL');
    await proc?.exited;
    await database?.drop();
  });

  it('a job interrupted by SIGKILL resumes on the next server and completes with every resource once', async () => {
    await start();
    const call = fhirClient(`http://127.0.0.1:${port}/fhir`);
    const kick = await call('GET', '/$export?_type=Patient,Appointment,Invoice,MedicationRequest', {
      headers: { prefer: 'respond-async' },
    });
    expect(kick.status, kick.text).to.equal(202);
    const status = new URL(kick.headers.get('content-location')!).pathname.replace(/^\/fhir/, '');
    // wait until the job is under way, then kill the process running it
    let progress = '';
    for (let i = 0; i < 2000 && !/resources|types/.test(progress); i++) {
      const res = await call('GET', status);
      expect(res.status, res.text).to.equal(202);
      progress = res.headers.get('x-progress') ?? '';
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(progress).to.match(/resources|types/);
    proc!.child.kill('SIGKILL');
    await proc!.exited;

    await start();
    let manifest: any;
    for (let i = 0; i < 1200 && !manifest; i++) {
      const res = await call('GET', status);
      if (res.status === 200) manifest = res.body;
      else expect(res.status, res.text).to.equal(202);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(manifest, 'the export did not complete after the restart').to.not.equal(undefined);
    expect(manifest.output.map((o: any) => o.type).sort()).to.deep.equal([
      'Appointment',
      'Invoice',
      'MedicationRequest',
      'Patient',
    ]);
    for (const o of manifest.output) {
      const path = new URL(o.url).pathname.replace(/^\/fhir/, '');
      const file = await call('GET', path, { headers: { accept: 'application/fhir+ndjson' } });
      const ids = file.text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).id);
      expect(ids, o.type).to.have.length(o.count);
      expect(new Set(ids).size, o.type).to.equal(o.count);
      const search = await call('GET', `/${o.type}?_total=accurate&_count=0`);
      expect(o.count, o.type).to.equal(search.body.total);
    }
  });
});
