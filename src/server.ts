// Composes the server: configuration → database (migrated, demo data once) → HTTP → listen, and
// the graceful stop that undoes it in reverse order.
import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { mappings } from '../mappings/index.js';
import { randomUUID } from 'node:crypto';
import { auditedRouter } from './audit/audited-router.js';
import { bulkRoutes } from './bulk/bulk-routes.js';
import { ExportJobs } from './bulk/export-jobs.js';
import { startExportWorker, type ExportWorker } from './bulk/export-worker.js';
import { createAuditTrail, type AuditTrail } from './audit/audit-trail.js';
import { authAuditEntry } from './audit/auth-events.js';
import { AuthorizationServer } from './auth/authorization-server.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { storeDatabaseSettings } from './db/database-settings.js';
import { embeddedDataKey } from './db/data-key.js';
import { fieldSecrets } from './db/field-encryption.js';
import { preparedQuery } from './db/sql-session.js';
import { buildCapabilityStatement } from './fhir/capability.js';
import { mapContext } from './fhir/context.js';
import { Repository } from './fhir/repository.js';
import { createFhirRouter } from './fhir/router.js';
import { SearchEngine } from './search/engine.js';
import { prepareValidation } from './fhir/validation/index.js';
import { scheduleRetention } from './retention/schedule.js';
import { createApp } from './http/app.js';
import { createMetrics } from './http/metrics.js';
import type { Logger } from './log.js';
import { packageInfo } from './package-info.js';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly db: Database;
  readonly startupMs: number;
  /** D9: record(entry) for logins, token grants and the server's own jobs. */
  readonly audit: AuditTrail;
  close(): Promise<void>;
}

/** A secret the migrations generated in the database, shared by every instance on it (D11). */
async function storedSecret(db: Database, name: string): Promise<string> {
  const [row] = await db.orm.em
    .fork()
    .execute<{ secret: string }[]>('select secret from fhir_server_secrets where name = ?', [name]);
  if (!row) throw new Error(`the database holds no ${name} secret: are the migrations applied?`);
  return row.secret;
}

async function seedDemoIfEmpty(config: Config, db: Database, logger: Logger): Promise<void> {
  const wanted = config.seedDemo === 'true' || (config.seedDemo === 'auto' && db.mode === 'embedded');
  if (!wanted) return;
  const [row] = await db.orm.em.fork().execute<{ users: number }[]>('select count(*)::int as users from users');
  if ((row?.users ?? 0) > 0) return;
  const { seed, DEMO_PASSWORD } = await import('./seed/seed.js');
  const result = await seed(db.orm.em.fork(), { patients: config.seedDemoPatients });
  logger.info(
    { inserted: result.inserted, ms: result.ms },
    `demo data seeded; demo users (e.g. ${result.adminEmail ?? 'admin@example.org'}) share the password "${DEMO_PASSWORD}"`,
  );
  const { createDemoAccounts } = await import('./auth/demo-accounts.js');
  const demo = await createDemoAccounts(db.orm.em.fork(), {
    password: DEMO_PASSWORD,
    issuer: config.auth.issuer,
    dataDir: config.dataDir,
  });
  logger.info(
    {
      patientUser: demo.patientUser.email,
      practitionerUser: demo.practitionerUser.email,
      adminUser: demo.adminUser.email,
      app: demo.app,
      backendClient: demo.backendClient.client_id,
    },
    `SMART demo accounts (password "${DEMO_PASSWORD}", AUTH_MODE=smart to use them) written to ${config.dataDir}/demo.json`,
  );
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const started = performance.now();
  const validation = prepareValidation();
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.dbPoolMax,
  });
  let server: Server | undefined;
  let exportWorker: ExportWorker | undefined;
  let shuttingDown = false;
  const audit = createAuditTrail((name, text, values) => preparedQuery(db.orm.em, name, text, values), {
    enabled: config.auditEnabled,
    flushMs: config.auditFlushMs,
    onError: (error, rows) => logger.error({ err: error, rows }, 'audit rows could not be written; they stay queued'),
  });
  try {
    if (config.migrateOnStart) {
      const applied = await db.migrate();
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
    await storeDatabaseSettings(db.orm.em, config);
    await seedDemoIfEmpty(config, db, logger);
    await validation;
    const key = config.dataEncryptionKey ?? (db.mode === 'embedded' ? embeddedDataKey(config.dataDir) : undefined);
    if (!key) logger.warn('DATA_ENCRYPTION_KEY is not set: SSNs can be neither stored nor read');
    const ctx = mapContext(
      config.identifierNamespace,
      fieldSecrets(key),
      config.hospitalTimeZone,
      config.labCodeSystem,
    );

    const authorizationServer =
      config.authMode === 'smart'
        ? new AuthorizationServer(
            config,
            () => db.orm.em.fork(),
            ctx,
            mappings.map((m) => m.resourceType),
            (event) => {
              logger.info(event, `auth ${event.event} ${event.outcome}`);
              audit.record(authAuditEntry(event));
            },
          )
        : undefined;
    if (authorizationServer) await authorizationServer.prepare();
    else logger.warn('AUTH_MODE=off: the FHIR API is open to anyone who can reach it; set AUTH_MODE=smart');
    const capabilityStatement = buildCapabilityStatement({
      baseUrl: config.fhirBaseUrl,
      software: { name: packageInfo.name, version: packageInfo.version },
      mappings,
      date: new Date().toISOString(),
      bulkExport: true,
      ...(authorizationServer ? { security: authorizationServer.restSecurity() } : {}),
    });
    const searchSettings = {
      defaultCount: config.searchDefaultCount,
      maxCount: config.searchMaxCount,
      cursorSecret: config.searchCursorSecret ?? (await storedSecret(db, 'search-cursor')),
    };
    const exportJobs = new ExportJobs(db.orm.em);
    const bulk = bulkRoutes({
      em: db.orm.em,
      jobs: exportJobs,
      mappings,
      settings: config.export,
      wake: () => exportWorker?.wake(),
    });
    const fhirRouter = auditedRouter(
      createFhirRouter(mappings, () => new Repository(db.orm.em, ctx), ctx, searchSettings, {
        maxBundleEntries: config.bundleMaxEntries,
        bulk,
      }),
      audit,
    );
    exportWorker = startExportWorker(
      {
        em: db.orm.em,
        jobs: exportJobs,
        byType: new Map(mappings.map((m) => [m.resourceType as string, m])),
        search: new SearchEngine(new Map(mappings.map((m) => [m.resourceType as string, m])), ctx, searchSettings),
        repository: () => new Repository(db.orm.em, ctx),
        baseUrl: config.fhirBaseUrl,
        owner: `${hostname()}:${process.pid}:${randomUUID()}`,
        logger,
      },
      config.export,
    );
    const app = createApp({
      config,
      logger,
      metrics: createMetrics(() => db.poolStats()),
      health: { ping: () => db.ping(), shuttingDown: () => shuttingDown },
      capabilityStatement,
      fhirRouter,
      ...(authorizationServer ? { authorizationServer } : {}),
    });
    // Slow clients are cut off (slowloris): the limits are checked every second, not node's default 30 s.
    server = createHttpServer(
      {
        headersTimeout: config.http.headersTimeoutMs,
        requestTimeout: config.http.requestTimeoutMs,
        keepAliveTimeout: config.http.keepAliveTimeoutMs,
        connectionsCheckingInterval: 1000,
      },
      app,
    );
    server.listen(config.port, config.host);
    await new Promise<void>((resolve, reject) => {
      server!.once('listening', resolve);
      server!.once('error', reject);
    });
  } catch (error) {
    server?.close();
    await exportWorker?.stop();
    await db.close();
    throw error;
  }

  const listening = server;
  const retention = scheduleRetention(config.retentionIntervalMs, db.orm.em, audit, logger);
  const { port } = listening.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const startupMs = Math.round(performance.now() - started);
  logger.info(
    { port, database: db.mode, fhirBase: config.fhirBaseUrl, startupMs },
    `FHIR endpoint at ${config.fhirBaseUrl}`,
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    db,
    startupMs,
    audit,
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        await retention.stop();
        await exportWorker?.stop();
        const drained = new Promise<void>((resolve) => listening.close(() => resolve()));
        listening.closeIdleConnections();
        const timer = setTimeout(() => listening.closeAllConnections(), config.shutdownTimeoutMs);
        await drained;
        clearTimeout(timer);
        await audit.flush();
        await db.close();
      })();
      return closing;
    },
  };
}
