// Two server instances on one PostgreSQL database share the export jobs (D11): a job started on
// one is polled and downloaded on the other, and each job is claimed exactly once.
import { expect } from 'chai';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/log.js';
import { seed } from '../../../src/seed/seed.js';
import { startServer, type RunningServer } from '../../../src/server.js';
import { mode } from '../../support/database.js';
import { fhirClient } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { ASYNC } from './bulk-client.js';

describe('bulk › $export on two instances (PostgreSQL)', function () {
  this.timeout(120000);
  let first: TestServer;
  let second: RunningServer;

  before(async function () {
    if (mode !== 'postgresql') return this.skip();
    first = await startTestServer({ EXPORT_POLL_MS: '20', EXPORT_BATCH_SIZE: '5' });
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      SEED_DEMO: 'false',
      DATA_DIR: first.config.dataDir,
      DATABASE_URL: first.database.databaseUrl!,
      EXPORT_POLL_MS: '20',
      EXPORT_BATCH_SIZE: '5',
    });
    second = await startServer(config, createLogger('silent'));
    await seed(first.db.orm.em.fork(), { patients: 6, doctors: 2 });
  });
  after(async () => {
    await second?.close();
    await first?.stop();
  });

  it('jobs kicked off on one instance are run once each and answered by the other', async () => {
    const other = fhirClient(`${second.url}/fhir`);
    const statuses: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await first.call('GET', '/$export?_type=Patient,Appointment', { headers: ASYNC });
      expect(res.status).to.equal(202);
      statuses.push(res.headers.get('content-location')!.slice(first.config.fhirBaseUrl.length));
    }
    const { rows: counts } = await first.sql.query(
      `select resource_type, count(*)::int as n from fhir_resources where not deleted group by 1`,
    );
    const expected = Object.fromEntries(counts.map((r) => [r.resource_type, r.n]));
    for (const status of statuses) {
      let manifest: any;
      for (let i = 0; i < 600 && !manifest; i++) {
        const res = await other('GET', status);
        if (res.status === 200) manifest = res.body;
        else await new Promise((r) => setTimeout(r, 50));
      }
      expect(manifest).to.not.equal(undefined);
      for (const o of manifest.output) expect(o.count, o.type).to.equal(expected[o.type]);
    }
    const { rows } = await first.sql.query('select attempts, status from fhir_export_jobs');
    expect(rows).to.have.length(6);
    for (const r of rows) expect(r).to.deep.equal({ attempts: 1, status: 'completed' });
  });
});
