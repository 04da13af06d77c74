// Nothing the server does may enter MikroORM's AsyncLocalStorage (em.transactional, RequestContext):
// once one is entered, Node 20 keeps promise hooks on for the life of the process and every later
// promise of every request gets several times slower. The server runs in this test's process, so
// the storages' state after sign-in, token, reads and writes is the server's.
import { RequestContext, TransactionContext } from '@mikro-orm/core';
import { expect } from 'chai';
import { newPatient } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { bearer } from '../../support/smart.js';
import { adminToken } from '../../support/smart-login.js';

/** Each class keeps its AsyncLocalStorage in a private static `storage`; `enabled` is Node's own flag. */
const storageOf = (context: unknown) => (context as { storage: { enabled: boolean } }).storage;
const entered = () => ({
  transaction: storageOf(TransactionContext).enabled,
  request: storageOf(RequestContext).enabled,
});

describe('the server never enters an AsyncLocalStorage (promise hooks stay off)', function () {
  let server: TestServer;
  before(async () => (server = await startTestServer({ AUTH_MODE: 'smart' })));
  after(() => server?.stop());

  it('after a sign-in, a token, a create, an update, a read and a search', async () => {
    const token = await adminToken(server);
    const created = await server.call('POST', '/Patient', { body: newPatient(), headers: bearer(token) });
    expect(created.status, created.text).to.equal(201);
    const updated = await server.call('PUT', `/Patient/${created.body.id}`, {
      body: { ...created.body, gender: 'other' },
      headers: bearer(token),
    });
    expect(updated.status, updated.text).to.equal(200);
    expect((await server.call('GET', `/Patient/${created.body.id}`, { headers: bearer(token) })).status).to.equal(200);
    expect((await server.call('GET', '/Patient?gender=other', { headers: bearer(token) })).status).to.equal(200);
    expect(entered()).to.deep.equal({ transaction: false, request: false });
  });
});
