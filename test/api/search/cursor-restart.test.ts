// search › a page link keeps working after a restart (http.html#paging): the cursor travels in
// the link, signed with the secret the database keeps, so any instance on the database takes it.
import { expect } from 'chai';
import { createLogger } from '../../../src/log.js';
import { startServer, type RunningServer } from '../../../src/server.js';
import { fhirClient, newPatient } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';

describe('search › page links across restarts (http.html#paging)', function () {
  this.timeout(180_000);
  let first: TestServer;
  let second: RunningServer | undefined;

  before(async () => {
    first = await startTestServer();
  });
  after(async () => {
    await second?.close();
    await first?.database.drop();
  });

  it('the next link of a server answers on the server started after it on the same database', async () => {
    for (let i = 0; i < 4; i++)
      await first.call('POST', '/Patient', { body: newPatient({ name: [{ family: 'Restart', given: [`R${i}`] }] }) });
    const page = await first.call('GET', '/Patient?family=restart&_count=2');
    const next = page.body.link.find((l: any) => l.relation === 'next').url as string;
    const path = next.slice(first.config.fhirBaseUrl.length);
    const before = await first.call('GET', path);
    await first.sql.end();
    await first.close();
    second = await startServer(first.config, createLogger('silent'));
    const call = fhirClient(`${second.url}${first.config.fhirBasePath}`);
    const after = await call('GET', path);
    expect(after.status, after.text).to.equal(200);
    expect(after.body.entry.map((e: any) => e.resource.id)).to.deep.equal(
      before.body.entry.map((e: any) => e.resource.id),
    );
    const forged = path.replace(/_cursor=[^&]+/, (c) => `${c.slice(0, -2)}xx`);
    expect((await call('GET', forged)).status).to.equal(400);
  });
});
