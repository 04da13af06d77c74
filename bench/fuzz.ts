// `npm run fuzz [-- --runs N --seed S --smart]`: the hostile-input campaign of the CI suite
// (test/api/hardening/fuzz.test.ts), run longer. On a fresh embedded database, or on a new database
// of TEST_DATABASE_URL's PostgreSQL server; prints the counts and exits 1 on the first failure.
import { parseArgs } from 'node:util';
import { mappings } from '../mappings/index.js';
import { runCampaign } from '../test/support/hostile/campaign.js';
import { startTestServer } from '../test/support/server.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5000' },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    smart: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const seed = Number(values.seed);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  console.error('usage: npm run fuzz -- [--runs N] [--seed S] [--smart]');
  process.exit(2);
}

const server = await startTestServer({
  SEED_DEMO: 'true',
  SEED_DEMO_PATIENTS: '2',
  BODY_LIMIT: '2mb',
  ...(values.smart
    ? { AUTH_MODE: 'smart', AUTH_RATE_LIMIT_PER_MINUTE: '1000000', AUTH_DYNAMIC_REGISTRATION: 'true' }
    : {}),
});
const auth = new URL(server.config.auth.issuer).pathname;
const authPaths = values.smart
  ? [
      'authorize',
      'token',
      'introspect',
      'revoke',
      'register',
      'launch',
      'login',
      'mfa',
      'patient',
      'consent',
      'reset',
    ].map((p) => `${auth}/${p}`)
  : undefined;
console.log(`fuzzing ${runs} requests, seed ${seed}, ${values.smart ? 'AUTH_MODE=smart' : 'AUTH_MODE=off'}`);
let status = 0;
try {
  const result = await runCampaign(
    {
      origin: server.url,
      fhirBase: server.config.fhirBasePath,
      sql: server.sql,
      mappings,
      ...(authPaths ? { authPaths, volatileTables: ['smart_rate_limits', 'smart_login_failures'] } : {}),
    },
    { runs, seed, onProgress: (n) => n % 500 === 0 && console.log(`  ${n} requests`) },
  );
  console.log(JSON.stringify(result, null, 2));
  console.log(`${result.requests} hostile requests, 0 failures, heap growth ${result.heapGrowthMb.toFixed(1)} MB`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  status = 1;
} finally {
  await server.stop();
}
process.exit(status);
