// Concurrency (issue 10): many clients updating one resource with and without If-Match, creates
// racing on one unique email, conditional creates racing; on PostgreSQL through two server
// processes on one database (D11). No lost update, no duplicate, versions strictly increasing,
// history complete.
import { expect } from 'chai';
import { mode } from '../../support/database.js';
import { fhirClient, newPatient, type FhirReply } from '../../support/fhir-client.js';
import { startSecondServer, type SecondServer } from '../../support/second-server.js';
import { startTestServer, type TestServer } from '../../support/server.js';

type Call = ReturnType<typeof fhirClient>;

describe('hardening › concurrency (issue 10)', function () {
  this.timeout(180000);
  let server: TestServer;
  let second: SecondServer | undefined;
  let clients: Call[];
  const client = (i: number) => clients[i % clients.length]!;

  before(async () => {
    server = await startTestServer();
    clients = [server.call];
    if (mode === 'postgresql') {
      second = await startSecondServer(server.database.databaseUrl!);
      clients.push(fhirClient(`${second.url}${server.config.fhirBasePath}`));
    }
  });
  after(async () => {
    await second?.stop();
    await server?.stop();
  });

  async function historyOf(id: string): Promise<any[]> {
    const res = await server.call('GET', `/Patient/${id}/_history?_count=1000`);
    expect(res.status).to.equal(200);
    return res.body.entry;
  }

  function expectNoServerError(replies: FhirReply[]) {
    const bad = replies.filter((r) => r.status >= 500);
    expect(bad.map((r) => `${r.status} ${r.text.slice(0, 200)}`)).to.deep.equal([]);
  }

  it(`clients updating one Patient with If-Match (read, PUT, retry on 412) lose no update`, async () => {
    const patient = (await server.call('POST', '/Patient', { body: newPatient() })).body;
    const writers = 12;
    const updatesEach = 3;
    let attempts = 0;
    let preconditionFailed = 0;
    const won: string[] = [];
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const call = client(w);
        for (let u = 0; u < updatesEach; u++) {
          const marker = `w${w}u${u}`;
          for (;;) {
            const current = await call('GET', `/Patient/${patient.id}`);
            expect(current.status).to.equal(200);
            attempts++;
            const res = await call('PUT', `/Patient/${patient.id}`, {
              body: { ...current.body, name: [{ use: 'official', family: 'Racer', given: [marker] }] },
              headers: { 'if-match': current.headers.get('etag')! },
            });
            expectNoServerError([res]);
            if (res.status === 412) {
              preconditionFailed++;
              continue;
            }
            expect(res.status).to.equal(200);
            won.push(marker);
            break;
          }
        }
      }),
    );
    const history = await historyOf(patient.id);
    const versions = history.map((e) => Number(e.resource.meta.versionId));
    const markers = history.map((e) => e.resource.name[0].given?.[0]).filter((g: string) => g?.startsWith('w'));
    const lost = won.filter((m) => !markers.includes(m));
    console.log(
      `      If-Match: ${clients.length} server(s), ${attempts} attempts, ${won.length} successes, ${preconditionFailed} × 412, ${lost.length} lost updates`,
    );
    expect(won).to.have.length(writers * updatesEach);
    expect(lost).to.deep.equal([]);
    expect(markers.sort()).to.deep.equal([...won].sort());
    expect(versions).to.deep.equal(Array.from({ length: won.length + 1 }, (_, i) => won.length + 1 - i));
  });

  it('parallel PUTs without If-Match all land, each its own version, history complete', async () => {
    const patient = (await server.call('POST', '/Patient', { body: newPatient() })).body;
    const replies = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        client(i)('PUT', `/Patient/${patient.id}`, {
          body: { ...patient, name: [{ use: 'official', family: 'Blind', given: [`b${i}`] }] },
        }),
      ),
    );
    expectNoServerError(replies);
    expect(replies.map((r) => r.status)).to.deep.equal(replies.map(() => 200));
    const versions = replies.map((r) => Number(r.body.meta.versionId)).sort((a, b) => a - b);
    expect(versions).to.deep.equal(Array.from({ length: 24 }, (_, i) => i + 2));
    const history = await historyOf(patient.id);
    expect(history).to.have.length(25);
    for (const reply of replies) {
      const entry = history.find((e) => e.resource.meta.versionId === reply.body.meta.versionId);
      expect(entry.resource.name[0].given[0]).to.equal(reply.body.name[0].given[0]);
    }
  });

  it('creates racing on one email: exactly one Patient, the others a 4xx OperationOutcome', async () => {
    const body = newPatient();
    const email = body.telecom[0]!.value;
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => client(i)('POST', '/Patient', { body })));
    expectNoServerError(replies);
    expect(replies.filter((r) => r.status === 201)).to.have.length(1);
    for (const r of replies.filter((r) => r.status !== 201)) {
      expect(r.status).to.be.within(400, 499);
      expect(r.body.resourceType).to.equal('OperationOutcome');
    }
    const { rows } = await server.sql.query('select count(*)::int as n from users where email = $1', [email]);
    expect(rows[0].n).to.equal(1);
  });

  it('conditional creates racing (If-None-Exist on a non-unique element): exactly one created', async () => {
    const family = `Cond${process.pid}x${Date.now()}`;
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        client(i)('POST', '/Patient', {
          body: newPatient({ name: [{ use: 'official', family, given: ['C'] }] }),
          headers: { 'if-none-exist': `family=${family}` },
        }),
      ),
    );
    expectNoServerError(replies);
    const statuses = replies.map((r) => r.status);
    const { rows } = await server.sql.query(`select count(*)::int as n from users where "lastName" = $1`, [family]);
    console.log(`      If-None-Exist race: statuses ${JSON.stringify(statuses)}, ${rows[0].n} created`);
    expect(rows[0].n).to.equal(1);
    expect(statuses.filter((s) => s === 201)).to.have.length(1);
    expect(statuses.filter((s) => s === 200)).to.have.length(11);
    expect(new Set(replies.map((r) => r.body.id)).size).to.equal(1);
  });
});
