// `npm run retention [-- --dry-run] [--period audit-access=5y ...]`: applies the schema document's
// Data Retention Policy once; --dry-run reports per rule and table what would go and touches nothing.
import { parseArgs } from 'node:util';
import { createAuditTrail } from '../audit/audit-trail.js';
import { loadConfig } from '../config.js';
import { openDatabaseForTool } from '../db/database.js';
import { preparedQuery } from '../db/sql-session.js';
import { retentionPeriods } from '../retention/periods.js';
import { sqlOf, transactionOf } from '../retention/database-access.js';
import { runRetention } from '../retention/run-retention.js';
import { runCommand } from './run-command.js';

await runCommand(async () => {
  const { values } = parseArgs({
    options: {
      'dry-run': { type: 'boolean', default: false },
      period: { type: 'string', multiple: true, default: [] },
    },
    strict: true,
  });
  const overrides: Record<string, string> = {};
  for (const text of values.period) {
    const [name, value] = text.split('=');
    if (!name || value === undefined)
      throw new Error(`--period takes rule=period, such as audit-access=3y; got "${text}"`);
    overrides[name] = value;
  }
  const periods = retentionPeriods(overrides);
  const config = loadConfig();
  const db = await openDatabaseForTool({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 1 });
  try {
    const em = db.orm.em.fork();
    const audit = createAuditTrail((name, text, values) => preparedQuery(em, name, text, values), {
      enabled: config.auditEnabled,
    });
    const dryRun = values['dry-run'];
    const lines = await runRetention({ periods, dryRun, sql: sqlOf(em), transaction: transactionOf(em), audit });
    await audit.flush();
    for (const line of lines)
      console.log(
        `${dryRun ? 'would remove' : 'removed'} ${String(line.rows).padStart(7)}  ${line.rule.padEnd(18)} ${line.table.padEnd(11)} older than ${line.period} (before ${line.before})`,
      );
    console.log(JSON.stringify({ dryRun, lines }));
  } finally {
    await db.close();
  }
});
