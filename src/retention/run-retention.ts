// Applies the Data Retention Policy once: per rule, the rows past their period go in batches, each
// batch in its own short transaction; a dry run only counts. A real run leaves one audit row
// (action RETENTION) saying what went.
import type { AuditTrail } from '../audit/audit-trail.js';
import { cutoff, type Period, type RetentionRuleName } from './periods.js';
import { RETENTION_RULES, type Sql } from './rules.js';

export interface RetentionLine {
  rule: RetentionRuleName;
  table: string;
  period: string;
  /** Rows before this moment (UTC) are past their period. */
  before: string;
  rows: number;
}

export interface RetentionOptions {
  periods: Record<RetentionRuleName, Period>;
  dryRun: boolean;
  /** Runs work in one transaction. */
  transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  sql: Sql;
  audit?: AuditTrail;
  now?: Date;
  batchSize?: number;
}

/** A TIMESTAMP (no zone) literal of a UTC moment, as the columns hold it. */
const timestamp = (at: Date) => at.toISOString().replace('Z', '');

export async function runRetention(options: RetentionOptions): Promise<RetentionLine[]> {
  const { periods, dryRun, sql, batchSize = 500 } = options;
  const now = options.now ?? new Date();
  const lines: RetentionLine[] = [];
  try {
    for (const rule of RETENTION_RULES) {
      const period = periods[rule.name];
      const before = timestamp(cutoff(period, now));
      let rows = 0;
      if (dryRun) {
        const [row] = await sql<{ n: number }>(`select count(*)::int as n from (${rule.due}) due`, [before]);
        rows = row?.n ?? 0;
      } else {
        for (;;) {
          const done = await options.transaction(async (tx) => {
            const ids = (await tx<{ id: string }>(`${rule.due} limit ?`, [before, batchSize])).map((r) => r.id);
            if (ids.length) await rule.apply(tx, ids);
            return ids.length;
          });
          rows += done;
          if (done < batchSize) break;
        }
      }
      lines.push({ rule: rule.name, table: rule.table, period: period.text, before: `${before}Z`, rows });
    }
  } catch (error) {
    if (!dryRun) options.audit?.record(retentionEntry(lines, error));
    throw error;
  }
  if (!dryRun) options.audit?.record(retentionEntry(lines));
  return lines;
}

function retentionEntry(lines: RetentionLine[], error?: unknown) {
  const summary = lines.map((l) => `${l.rule} ${l.rows} (${l.period})`).join(', ');
  return {
    action: 'RETENTION' as const,
    entityType: 'system',
    description: `retention: removed ${summary || 'nothing'}`,
    success: error === undefined,
    ...(error !== undefined ? { errorMessage: `500: ${(error as Error).message ?? String(error)}` } : {}),
  };
}
