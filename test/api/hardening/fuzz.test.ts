// Hostile input against every route (issue 10): every answer a 4xx OperationOutcome (or the OAuth
// error JSON), never a 5xx or a crash, nothing leaked, the database unchanged by what was refused
// and the heap back to normal afterwards. A fixed seed here; `npm run fuzz -- --runs N --seed S`
// runs longer.
import { expect } from 'chai';
import { mappings } from '../../../mappings/index.js';
import { heapUsedMb, runCampaign, sweepRoutes, type CampaignResult } from '../../support/hostile/campaign.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 600);
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);

function report(name: string, result: CampaignResult) {
  console.log(
    `      ${name}: ${result.requests} hostile requests in ${result.ms} ms, statuses ${JSON.stringify(result.byStatus)}, heap ${result.heapGrowthMb.toFixed(1)} MB`,
  );
}

describe('hardening › fuzzing the HTTP surface (issue 10)', function () {
  this.timeout(240000);

  describe('with authorization off', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ SEED_DEMO: 'true', SEED_DEMO_PATIENTS: '2', BODY_LIMIT: '2mb' });
    });
    after(() => server?.stop());

    it('every HTTP method on every route answers with a status it means, changing nothing', async () => {
      const result = await sweepRoutes({
        origin: server.url,
        fhirBase: server.config.fhirBasePath,
        sql: server.sql,
        mappings,
      });
      console.log(`      sweep: ${result.requests} requests, statuses ${JSON.stringify(result.byStatus)}`);
      expect(result.byStatus['500'] ?? 0).to.equal(0);
    });

    it('every hostile request on every route of every mapping is refused cleanly and changes nothing', async () => {
      const heapBefore = heapUsedMb();
      const result = await runCampaign(
        { origin: server.url, fhirBase: server.config.fhirBasePath, sql: server.sql, mappings },
        { runs: RUNS, seed: SEED },
      );
      report('AUTH_MODE=off', result);
      expect(result.requests).to.be.at.least(RUNS);
      expect(heapUsedMb() - heapBefore, 'heap growth (MB) after the campaign').to.be.below(64);
    });
  });

  describe('with AUTH_MODE=smart', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({
        SEED_DEMO: 'true',
        SEED_DEMO_PATIENTS: '2',
        AUTH_MODE: 'smart',
        AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
        AUTH_DYNAMIC_REGISTRATION: 'true',
      });
    });
    after(() => server?.stop());

    it('every HTTP method on every OAuth and FHIR route, without a token, answers in its own format', async () => {
      const auth = new URL(server.config.auth.issuer).pathname;
      const authPaths = ['authorize', 'token', 'introspect', 'revoke', 'register', 'launch', 'login', 'mfa']
        .concat(['patient', 'consent', 'reset', 'jwks', 'nowhere'])
        .map((p) => `${auth}/${p}`);
      const result = await sweepRoutes({
        origin: server.url,
        fhirBase: server.config.fhirBasePath,
        sql: server.sql,
        mappings,
        authPaths,
        volatileTables: ['smart_rate_limits', 'smart_login_failures'],
      });
      console.log(`      sweep: ${result.requests} requests, statuses ${JSON.stringify(result.byStatus)}`);
      expect(result.byStatus['401'] ?? 0).to.be.greaterThan(0);
    });

    it('the OAuth endpoints and the protected FHIR routes refuse hostile requests in their own formats', async () => {
      const auth = new URL(server.config.auth.issuer).pathname;
      const authPaths = ['authorize', 'token', 'introspect', 'revoke', 'register', 'launch', 'login', 'mfa', 'patient']
        .map((p) => `${auth}/${p}`)
        .concat(['consent', 'reset', 'jwks', 'nowhere'].map((p) => `${auth}/${p}`));
      const result = await runCampaign(
        {
          origin: server.url,
          fhirBase: server.config.fhirBasePath,
          sql: server.sql,
          mappings,
          authPaths,
          volatileTables: ['smart_rate_limits', 'smart_login_failures'],
        },
        { runs: Math.ceil(RUNS / 2), seed: SEED + 1 },
      );
      report('AUTH_MODE=smart', result);
      expect(result.byStatus['401'] ?? 0, 'FHIR routes without a token').to.be.greaterThan(0);
    });
  });
});
