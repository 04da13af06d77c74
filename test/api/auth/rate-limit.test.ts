// Abuse limits (issue 7 §9): the token endpoint and the sign-in forms answer 429 with Retry-After
// past AUTH_RATE_LIMIT_PER_MINUTE requests from one address, counted in the database (D11).
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { authBase, postForm } from '../../support/smart.js';

describe('auth › rate limits of the token endpoint and sign-in forms', function () {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ AUTH_MODE: 'smart', AUTH_RATE_LIMIT_PER_MINUTE: '3' });
  });
  after(() => server?.stop());

  it('answers 429 slow_down with Retry-After once the limit is used up, per endpoint', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await postForm(`${authBase(server)}/token`, { grant_type: 'client_credentials' });
      statuses.push(last.status);
    }
    // a minute boundary may fall inside the loop and open a new window once
    expect(statuses.filter((s) => s === 429).length).to.be.at.least(1);
    expect(last!.status).to.equal(429);
    expect(last!.body.error).to.equal('slow_down');
    expect(last!.headers.get('retry-after')).to.equal('60');
    const login = await postForm(`${authBase(server)}/login`, { csrf: 'x' });
    expect(login.status).to.not.equal(429);
    const { rows } = await server.sql.query(`select hits from smart_rate_limits where key like '/token:%'`);
    expect(rows[0].hits).to.be.greaterThan(0);
  });
});
