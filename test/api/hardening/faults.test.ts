// Faults (issue 10): the database unreachable mid-traffic (a TCP proxy cut and restored) answers
// 503 with Retry-After and recovers by itself, with no half-written resource; a server SIGKILLed
// during transaction Bundles leaves each one whole or absent; slow clients do not starve others.
import fs from 'node:fs';
import net from 'node:net';
import { expect } from 'chai';
import pg from 'pg';
import { loadConfig } from '../../../src/config.js';
import { lockFileOf } from '../../../src/db/data-dir-lock.js';
import { createLogger } from '../../../src/log.js';
import { startServer, type RunningServer } from '../../../src/server.js';
import { createTestDatabase, mode, type TestDatabase } from '../../support/database.js';
import { fhirClient, newPatient } from '../../support/fhir-client.js';
import { freePort, spawnServer, waitForOk } from '../../support/process.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';

/** The restarted embedded server's loopback database socket, as its lock file records it. */
function embeddedSocketUrl(dataDir: string): string {
  const { databaseSocket } = JSON.parse(fs.readFileSync(lockFileOf(dataDir), 'utf8')) as { databaseSocket: string };
  return `postgresql://postgres@${databaseSocket}/postgres`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hardening › faults (issue 10)', function () {
  this.timeout(180000);

  describe('the database unreachable mid-traffic (PostgreSQL behind a TCP proxy)', () => {
    let database: TestDatabase;
    let proxy: TcpProxy;
    let server: RunningServer;
    let sql: pg.Client;

    before(async function () {
      if (mode !== 'postgresql') return this.skip();
      database = await createTestDatabase();
      const target = new URL(database.databaseUrl!);
      proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      const proxied = new URL(target);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(proxy.port);
      const config = loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        SEED_DEMO: 'false',
        DATABASE_URL: proxied.toString(),
        DB_POOL_MAX: '4',
      });
      server = await startServer(config, createLogger(config.logLevel));
      sql = new pg.Client({ connectionString: database.databaseUrl });
      await sql.connect();
    });
    after(async () => {
      await sql?.end();
      await server?.close().catch(() => undefined);
      await proxy?.close();
      await database?.drop();
    });

    it('answers 503 OperationOutcomes with Retry-After while cut, recovers by itself, and writes nothing by halves', async () => {
      const call = fhirClient(`${server.url}/fhir`);
      const family = `Fault${process.pid}x${Date.now()}`;
      const created: string[] = [];
      const statuses: Record<number, number> = {};
      let stop = false;
      let sawBadOutcome = '';
      const worker = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const res =
            i % 2 === 0
              ? await call('POST', '/Patient', { body: newPatient({ name: [{ family, given: [`w${w}i${i}`] }] }) })
              : await call('GET', `/Patient?family=${family}&_count=5`);
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (res.status === 201) created.push(res.body.id);
          if (res.status >= 500) {
            if (res.status !== 503 || res.body?.resourceType !== 'OperationOutcome' || !res.headers.get('retry-after'))
              sawBadOutcome ||= `${res.status} ${res.headers.get('retry-after')} ${res.text.slice(0, 200)}`;
          }
          if (res.status === 503) await sleep(20);
        }
      };
      const workers = Array.from({ length: 4 }, (_, w) => worker(w));
      await sleep(1000);
      proxy.cut();
      await sleep(2000);
      const during = await call('GET', `/Patient?family=${family}`);
      expect(during.status).to.equal(503);
      expect(during.headers.get('retry-after')).to.match(/^\d+$/);
      expect((await fetch(`${server.url}/readyz`)).status).to.equal(503);
      const restored = Date.now();
      proxy.restore();
      let recoveryMs = -1;
      while (Date.now() - restored < 30000) {
        const res = await call('POST', '/Patient', { body: newPatient({ name: [{ family, given: ['after'] }] }) });
        if (res.status === 201) {
          created.push(res.body.id);
          recoveryMs = Date.now() - restored;
          break;
        }
        await sleep(50);
      }
      await sleep(500);
      stop = true;
      await Promise.all(workers);
      console.log(
        `      database cut for 2 s: statuses ${JSON.stringify(statuses)}, recovered ${recoveryMs} ms after restore`,
      );
      expect(sawBadOutcome).to.equal('');
      expect(recoveryMs).to.be.within(0, 30000);
      expect(statuses[503] ?? 0).to.be.greaterThan(0);

      // Whole or absent: every Patient of this test has its users row, its patients row and its version.
      const { rows } = await sql.query(
        `select p.id, (select count(*)::int from fhir_resource_versions v where v.resource_type = 'Patient' and v.id = p.id) as versions
           from users u left join patients p on p."userId" = u.id where u."lastName" = $1`,
        [family],
      );
      expect(rows.filter((r) => r.id === null || r.versions < 1)).to.deep.equal([]);
      const stored = new Set(rows.map((r) => r.id as string));
      expect(
        created.filter((id) => !stored.has(id)),
        'acknowledged creates that are missing',
      ).to.deep.equal([]);
      expect((await fetch(`${server.url}/readyz`)).status).to.equal(200);
    });
  });

  describe('SIGKILL during transaction Bundles', () => {
    it('after a restart every transaction is whole or absent (checked with SQL)', async () => {
      const database = await createTestDatabase();
      try {
        const port = await freePort();
        const env = {
          ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : { DATA_DIR: database.dataDir }),
          PORT: String(port),
          HOST: '127.0.0.1',
          SEED_DEMO: 'false',
        };
        let proc = spawnServer(env);
        await waitForOk(`http://127.0.0.1:${port}/readyz`, proc);
        const call = fhirClient(`http://127.0.0.1:${port}/fhir`);
        const tag = `Kill${process.pid}x${Date.now()}`;
        let sent = 0;
        let acknowledged = 0;
        const bundle = (n: number) => ({
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [0, 1, 2].map((k) => ({
            fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(n * 10 + k).padStart(12, '0')}`,
            resource: newPatient({ name: [{ family: `${tag}-${n}`, given: [`k${k}`] }] }),
            request: { method: 'POST', url: 'Patient' },
          })),
        });
        const senders = Array.from({ length: 4 }, async () => {
          for (;;) {
            const n = sent++;
            try {
              const res = await call('POST', '', { body: bundle(n) });
              if (res.status === 200) acknowledged++;
            } catch {
              return; // the server is gone
            }
          }
        });
        await sleep(1500);
        proc.child.kill('SIGKILL');
        await Promise.all(senders);
        await proc.exited;
        proc = spawnServer(env);
        await waitForOk(`http://127.0.0.1:${port}/readyz`, proc);
        const sql = new pg.Client({ connectionString: database.databaseUrl ?? embeddedSocketUrl(database.dataDir) });
        await sql.connect();
        try {
          const { rows } = await sql.query(
            `select u."lastName" as family, count(p.id)::int as patients,
                    count(distinct v.id)::int as versioned
               from users u left join patients p on p."userId" = u.id
               left join fhir_resource_versions v on v.resource_type = 'Patient' and v.id = p.id
              where u."lastName" like $1 group by u."lastName"`,
            [`${tag}-%`],
          );
          console.log(
            `      SIGKILL: ${sent} transactions sent, ${acknowledged} acknowledged, ${rows.length} found after restart`,
          );
          expect(acknowledged).to.be.greaterThan(0);
          expect(rows.filter((r) => r.patients !== 3 || r.versioned !== 3)).to.deep.equal([]);
          expect(rows.length).to.be.at.least(acknowledged);
        } finally {
          await sql.end();
          proc.child.kill('SIGTERM');
          await proc.exited;
        }
      } finally {
        await database.drop();
      }
    });
  });

  describe('slow clients (slowloris)', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ HTTP_HEADERS_TIMEOUT_MS: '1500', HTTP_REQUEST_TIMEOUT_MS: '3000' });
    });
    after(() => server?.stop());

    it('200 clients trickling their headers neither starve others nor stay connected past the headers timeout', async () => {
      const slow: net.Socket[] = [];
      let closedByServer = 0;
      for (let i = 0; i < 200; i++) {
        const socket = net.connect(server.port, '127.0.0.1');
        socket.on('error', () => undefined);
        socket.on('close', () => closedByServer++);
        socket.write('GET /fhir/metadata HTTP/1.1\r\nHost: x\r\n');
        slow.push(socket);
      }
      const trickle = setInterval(() => {
        for (const s of slow) if (!s.destroyed) s.write(`X-Slow-${Math.random().toString(36).slice(2)}: 1\r\n`);
      }, 300);
      try {
        const latencies: number[] = [];
        for (let i = 0; i < 20; i++) {
          const started = Date.now();
          const res = await fetch(`${server.url}/fhir/metadata`);
          expect(res.status).to.equal(200);
          await res.arrayBuffer();
          latencies.push(Date.now() - started);
        }
        await sleep(3500);
        console.log(
          `      slowloris: 200 slow sockets, others served in max ${Math.max(...latencies)} ms, ${closedByServer} slow sockets closed by the server`,
        );
        expect(Math.max(...latencies)).to.be.below(1000);
        expect(closedByServer).to.equal(200);
      } finally {
        clearInterval(trickle);
        for (const s of slow) s.destroy();
      }
    });
  });
});
