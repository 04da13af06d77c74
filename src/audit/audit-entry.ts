// One audit_logs row (database-schema.md, Audit Logs Table; D9) as the rest of the server hands it
// to the audit trail, and the row it becomes: column sizes kept, secrets out, JSONB shape checked.
import { randomUUID } from 'node:crypto';
import type { AuditChanges } from '../db/jsonb/shapes.js';
import { jsonbProblems } from '../db/jsonb/validate.js';
import { withoutSecrets } from './secrets.js';

/**
 * audit_logs.action. The document names CREATE, READ, UPDATE, DELETE and LOGIN; the FHIR
 * interactions and the server's own jobs add the rest.
 */
export type AuditAction =
  | 'CREATE'
  | 'READ'
  | 'VREAD'
  | 'UPDATE'
  | 'PATCH'
  | 'DELETE'
  | 'SEARCH'
  | 'HISTORY'
  | 'OPERATION'
  | 'EXPORT'
  | 'LOGIN'
  | 'LOGOUT'
  | 'TOKEN'
  | 'RETENTION'
  | 'BACKUP'
  | 'RESTORE';

/** Actions that only read (the document's "access logs", kept 3 years). */
export const ACCESS_ACTIONS: readonly AuditAction[] = [
  'READ',
  'VREAD',
  'SEARCH',
  'HISTORY',
  'LOGIN',
  'LOGOUT',
  'TOKEN',
];

/** Who acted. With no one signed in (auth off, or a failed login before we know who) the row says `anonymous`. */
export interface AuditActor {
  /** users.id */
  userId?: string;
  email?: string;
  /** The OAuth client, recorded when there is no user (backend services). */
  clientId?: string;
}

export interface AuditEntry {
  action: AuditAction;
  /** A FHIR resource type (Patient), or `system` for what concerns no one resource. */
  entityType: string;
  /** The row's uuid; anything that is not a uuid is left out (the column is UUID). */
  entityId?: string | null;
  actor?: AuditActor;
  changes?: AuditChanges | null;
  ipAddress?: string;
  userAgent?: string;
  description?: string;
  success?: boolean;
  errorMessage?: string;
  /** When it happened; defaults to the time of record(). */
  at?: Date;
}

export const ANONYMOUS = 'anonymous';

/** The columns of one row, in the order of AUDIT_COLUMNS. */
export type AuditRow = readonly unknown[];

export const AUDIT_COLUMNS = [
  'id',
  'userId',
  'userEmail',
  'action',
  'entityType',
  'entityId',
  'changes',
  'ipAddress',
  'userAgent',
  'description',
  'success',
  'errorMessage',
  'createdAt',
] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const cut = (value: string | undefined | null, max: number) =>
  value === undefined || value === null ? null : value.length > max ? value.slice(0, max) : value;

function changesColumn(changes: AuditChanges | null | undefined): AuditChanges | null {
  if (!changes) return null;
  const clean: AuditChanges = {};
  if ('old' in changes) clean.old = (withoutSecrets(changes.old) as Record<string, unknown> | null) ?? null;
  if ('new' in changes) clean.new = (withoutSecrets(changes.new) as Record<string, unknown> | null) ?? null;
  if (changes.query !== undefined) clean.query = changes.query.slice(0, 8000);
  if (changes.patients !== undefined) clean.patients = changes.patients.slice(0, 10000);
  return jsonbProblems('changes', clean).length === 0 ? clean : null;
}

/** The row an entry becomes; `createdAt` is a TIMESTAMP (no zone) and holds UTC. */
export function auditRow(entry: AuditEntry): AuditRow {
  const actor = entry.actor ?? {};
  const userId = actor.userId ?? (actor.clientId ? `client:${actor.clientId}` : ANONYMOUS);
  return [
    randomUUID(),
    cut(userId, 50),
    cut(actor.email ?? '', 255),
    entry.action,
    cut(entry.entityType, 100),
    entry.entityId && UUID.test(entry.entityId) ? entry.entityId : null,
    changesColumn(entry.changes),
    cut(entry.ipAddress, 45),
    entry.userAgent ?? null,
    entry.description ?? null,
    entry.success ?? true,
    entry.errorMessage ?? null,
    (entry.at ?? new Date()).toISOString(),
  ];
}
