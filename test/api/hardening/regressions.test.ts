// Failures the hostile-input fuzzing found (issue 10), each pinned by the request that found it.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';

describe('hardening › failures found by fuzzing', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server?.stop());

  for (const name of ['toString', 'constructor', 'hasOwnProperty', '__proto__'])
    it(`a search parameter named ${name} is an unknown parameter, not a 500 (search.html#errors)`, async () => {
      const lenient = await server.call('GET', `/Patient?${name}=1`);
      expect(lenient.status).to.equal(200);
      const strict = await server.call('GET', `/Patient?${name}=1`, { headers: { prefer: 'handling=strict' } });
      expect(strict.status).to.equal(400);
      expect(strict.body.issue[0].diagnostics).to.contain(name);
      const system = await server.call('GET', `?${name}=1&_type=Patient`);
      expect(system.status).to.equal(200);
    });

  it('If-None-Exist: toString=1 is a search like any other, not a 500', async () => {
    const res = await server.call('POST', '/Patient', {
      body: { resourceType: 'Patient' },
      headers: { 'if-none-exist': 'toString=1' },
    });
    expect(res.status).to.be.within(400, 499);
    expect(res.body.resourceType).to.equal('OperationOutcome');
  });
});
