// The audit trail (D9): record() queues one audit_logs row and returns at once; a small in-process
// queue is written in multi-row INSERTs every `flushMs` milliseconds (50 by default) or every `batchSize` rows, and
// flush() (called by the server's graceful stop) writes what is left, so no request waits for its
// audit row and none is lost when the process stops gracefully.
//
// Anyone may record: `trail.record({ action: 'LOGIN', entityType: 'system', actor: { userId, email },
// ipAddress, userAgent, success: false, errorMessage: 'invalid password' })`.
import { AUDIT_COLUMNS, auditRow, type AuditEntry, type AuditRow } from './audit-entry.js';

/** Runs one SQL statement with `$n` parameters, prepared once per connection under `name`. */
export type ExecuteSql = (name: string, text: string, values: unknown[]) => Promise<unknown>;

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

// The array type each column travels as; unnest() turns the arrays back into rows.
const ARRAY_TYPES: Record<(typeof AUDIT_COLUMNS)[number], string> = {
  id: 'uuid[]',
  userId: 'text[]',
  userEmail: 'text[]',
  action: 'text[]',
  entityType: 'text[]',
  entityId: 'uuid[]',
  changes: 'jsonb[]',
  ipAddress: 'text[]',
  userAgent: 'text[]',
  description: 'text[]',
  success: 'boolean[]',
  errorMessage: 'text[]',
  createdAt: 'timestamp[]',
};
const CHANGES = AUDIT_COLUMNS.indexOf('changes');
// One prepared statement for any batch size: a parameter per column, each an array of the
// batch's values, so a batch costs neither a parse nor a plan nor a JSON document to take apart.
export const AUDIT_INSERT = {
  name: 'fhir_audit_insert',
  text: `insert into audit_logs (${AUDIT_COLUMNS.map((c) => `"${c}"`).join(', ')})
    select * from unnest(${AUDIT_COLUMNS.map((c, i) => `$${i + 1}::${ARRAY_TYPES[c]}`).join(', ')})`,
};

/** The statement's parameters for `rows`: one array per column. */
export function insertValues(rows: readonly AuditRow[]): unknown[][] {
  return AUDIT_COLUMNS.map((_, column) =>
    rows.map((row) => {
      const value = row[column];
      return column === CHANGES && value !== null ? JSON.stringify(value) : value;
    }),
  );
}

export function createAuditTrail(execute: ExecuteSql, options: AuditTrailOptions = {}): AuditTrail {
  const { enabled = true, batchSize = 200, flushMs = 50, maxQueued = 100_000, onError = () => {} } = options;
  let queue: AuditRow[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  async function writeQueued(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, batchSize);
      queue = queue.slice(batch.length);
      try {
        await execute(AUDIT_INSERT.name, AUDIT_INSERT.text, insertValues(batch));
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
