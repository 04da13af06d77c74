// The audit trail (D9): record() queues one audit_logs row and returns at once; a small in-process
// queue is written in multi-row INSERTs every 10 milliseconds or every `batchSize` rows, and
// flush() (called by the server's graceful stop) writes what is left, so no request waits for its
// audit row and none is lost when the process stops gracefully.
//
// Anyone may record: `trail.record({ action: 'LOGIN', entityType: 'system', actor: { userId, email },
// ipAddress, userAgent, success: false, errorMessage: 'invalid password' })`.
import { AUDIT_COLUMNS, auditRow, type AuditEntry, type AuditRow } from './audit-entry.js';

/** Runs one SQL statement with `?` placeholders (the ORM connection's execute). */
export type ExecuteSql = (sql: string, params: unknown[]) => Promise<unknown>;

export interface AuditTrail {
  readonly enabled: boolean;
  /** Queues one row; never throws, never waits. */
  record(entry: AuditEntry): void;
  /** Writes every queued row. */
  flush(): Promise<void>;
}

export interface AuditTrailOptions {
  enabled?: boolean;
  /** Rows per INSERT, and the queue length that triggers a write at once. */
  batchSize?: number;
  /** Longest time a row waits in the queue. */
  flushMs?: number;
  /** A write that failed; its rows stay queued (up to `maxQueued`) for the next attempt. */
  onError?: (error: unknown, rows: number) => void;
  maxQueued?: number;
}

const TYPES: Record<(typeof AUDIT_COLUMNS)[number], string> = {
  id: 'uuid',
  userId: 'varchar(50)',
  userEmail: 'varchar(255)',
  action: 'varchar(50)',
  entityType: 'varchar(100)',
  entityId: 'uuid',
  changes: 'jsonb',
  ipAddress: 'varchar(45)',
  userAgent: 'text',
  description: 'text',
  success: 'boolean',
  errorMessage: 'text',
  createdAt: 'timestamp',
};
const COLUMNS = AUDIT_COLUMNS.map((c) => `"${c}"`).join(', ');
// One statement text for any batch size, its one parameter the rows as JSON: nothing to parse
// and plan per batch beyond that, however many rows it carries.
const INSERT = `insert into audit_logs (${COLUMNS}) select ${COLUMNS} from jsonb_to_recordset(?::jsonb)
  as r(${AUDIT_COLUMNS.map((c) => `"${c}" ${TYPES[c]}`).join(', ')})`;

export function insertStatement(rows: readonly AuditRow[]): { sql: string; params: unknown[] } {
  const records = rows.map((row) => Object.fromEntries(AUDIT_COLUMNS.map((column, i) => [column, row[i]])));
  return { sql: INSERT, params: [JSON.stringify(records)] };
}

export function createAuditTrail(execute: ExecuteSql, options: AuditTrailOptions = {}): AuditTrail {
  const { enabled = true, batchSize = 200, flushMs = 10, maxQueued = 100_000, onError = () => {} } = options;
  let queue: AuditRow[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  async function writeQueued(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, batchSize);
      queue = queue.slice(batch.length);
      const { sql, params } = insertStatement(batch);
      try {
        await execute(sql, params);
      } catch (error) {
        queue = [...batch, ...queue].slice(-maxQueued);
        onError(error, batch.length);
        return;
      }
    }
  }

  function schedule(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    writing = writing.then(writeQueued);
    return writing;
  }

  return {
    enabled,
    record(entry) {
      if (!enabled) return;
      queue.push(auditRow(entry));
      if (queue.length >= batchSize) void schedule();
      else if (!timer) {
        timer = setTimeout(() => void schedule(), flushMs);
        timer.unref();
      }
    },
    async flush() {
      await schedule();
      if (queue.length > 0) await schedule();
    },
  };
}
