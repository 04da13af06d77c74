// The Data Retention Policy applied by the server itself (RETENTION_INTERVAL): a first run a minute
// after start, then one per interval; a run in progress is awaited on stop. Runs in several
// server processes are harmless (each batch deletes what is still there), but one is enough.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Logger } from '../log.js';
import { sqlOf, transactionOf } from './database-access.js';
import { retentionPeriods } from './periods.js';
import { runRetention } from './run-retention.js';

const FIRST_RUN_MS = 60_000;

export function scheduleRetention(
  intervalMs: number | undefined,
  em: EntityManager,
  audit: AuditTrail,
  logger: Logger,
): { stop(): Promise<void> } {
  if (!intervalMs) return { stop: async () => {} };
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout;
  const run = () => {
    const work = em.fork();
    running = runRetention({
      periods: retentionPeriods(),
      dryRun: false,
      sql: sqlOf(work),
      transaction: transactionOf(work),
      audit,
    }).then(
      (lines) => logger.info({ retention: lines }, 'retention applied'),
      (error: unknown) => logger.error({ err: error }, 'retention failed'),
    );
    timer = setTimeout(run, intervalMs);
    timer.unref();
  };
  timer = setTimeout(run, Math.min(FIRST_RUN_MS, intervalMs));
  timer.unref();
  return {
    async stop() {
      clearTimeout(timer);
      await running;
    },
  };
}
