// Runs the real server in-process on a fresh database, listening on a free port, with a FHIR
// client for its base and a direct SQL connection to its database.
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { fhirClient } from './fhir-client.js';

export interface TestServer extends RunningServer {
  config: Config;
  database: TestDatabase;
  /** FHIR calls relative to the server's FHIR base. */
  call: ReturnType<typeof fhirClient>;
  /** SQL straight to the server's database, as another application would write it. */
  sql: pg.Client;
  stop(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    SEED_DEMO: 'false',
    DATA_DIR: database.dataDir,
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...env,
  });
  const server = await startServer(config, createLogger(config.logLevel));
  const sql = new pg.Client({ connectionString: server.db.clientUrl });
  await sql.connect();
  return Object.assign(server, {
    config,
    database,
    call: fhirClient(`${server.url}${config.fhirBasePath}`),
    sql,
    async stop() {
      await sql.end();
      await server.close();
      await database.drop();
    },
  });
}
