// What each retention rule removes (database-schema.md, Data Retention Policy), as SQL over the
// ten tables: the rows past their period, selected in batches by id. Patients are hard-deleted
// with everything that cascades from them, and their versions; the audit rows about them survive,
// anonymised (no email, no old and new values).
import { ACCESS_ACTIONS } from '../audit/audit-entry.js';
import type { RetentionRuleName } from './periods.js';

/** Runs SQL with `?` placeholders and returns the rows. */
export type Sql = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;

export interface RetentionRule {
  name: RetentionRuleName;
  /** The table whose rows the rule counts (others may go with them by cascade). */
  table: string;
  what: string;
  /** SELECT of the ids of the rows past the cutoff, its one `?` (a TIMESTAMP, UTC). Rules select disjoint rows. */
  due: string;
  /** Removes (or clears) those rows. */
  apply(sql: Sql, ids: string[]): Promise<void>;
}

const list = (ids: string[]) => ids.map(() => '?').join(', ');
const ACCESS = `(${ACCESS_ACTIONS.map((a) => `'${a}'`).join(', ')})`;

/** Hard delete of patients: their audit rows anonymised, the rows and what cascades from them, their versions. */
async function removePatients(sql: Sql, patientIds: string[]): Promise<void> {
  if (patientIds.length === 0) return;
  const users = (
    await sql<{ userId: string }>(`select "userId" from patients where id in (${list(patientIds)})`, patientIds)
  ).map((r) => r.userId);
  await sql(
    `update audit_logs set changes = nullif(changes - 'old' - 'new', '{}'::jsonb)
      where "entityType" in ('Patient', 'patients') and "entityId" in (${list(patientIds)}) and changes is not null`,
    patientIds,
  );
  if (users.length) await sql(`update audit_logs set "userEmail" = '' where "userId" in (${list(users)})`, users);
  // the resources that are parts of the patient's rows: their ids are gone once the rows are
  const parts = await sql<{ type: string; id: string }>(
    `select 'DocumentReference' as type, id from medical_records where "patientId" in (${list(patientIds)})
     union all select case kind when 'allergies' then 'AllergyIntolerance' else 'Condition' end, id
       from fhir_patient_facts where patient_id in (${list(patientIds)})
     union all select 'Coverage', id from patients where id in (${list(patientIds)})`,
    [...patientIds, ...patientIds, ...patientIds],
  );
  await sql(`delete from patients where id in (${list(patientIds)})`, patientIds);
  await sql(`delete from fhir_patient_facts where patient_id in (${list(patientIds)})`, patientIds);
  for (const type of new Set(parts.map((p) => p.type))) {
    const ids = parts.filter((p) => p.type === type).map((p) => p.id);
    for (const table of ['fhir_resource_versions', 'fhir_resources', 'fhir_overflow'])
      await sql(`delete from ${table} where resource_type = ? and id in (${list(ids)})`, [type, ...ids]);
  }
  if (users.length)
    await sql(
      `delete from users u where u.id in (${list(users)}) and not exists (select 1 from doctors d where d."userId" = u.id)`,
      users,
    );
  for (const table of ['fhir_resource_versions', 'fhir_resources', 'fhir_overflow', 'fhir_identifier_hashes'])
    await sql(`delete from ${table} where resource_type = 'Patient' and id in (${list(patientIds)})`, patientIds);
}

export const RETENTION_RULES: readonly RetentionRule[] = [
  {
    name: 'inactive-patients',
    table: 'patients',
    what: 'patients whose account is not active (users.status) and whose last visit (appointments, medical records; else the record itself) is older',
    due: `select p.id from patients p join users u on u.id = p."userId"
          where coalesce(u."isDeleted", false) = false and p."deletedAt" is null
            and coalesce(u.status, 'pending_verification') not in ('active', 'pending_verification')
            and greatest(
                  (select max(a."appointmentDate") from appointments a where a."patientId" = p.id),
                  (select max(m."visitDate")::timestamp from medical_records m where m."patientId" = p.id),
                  p."createdAt") < ?::timestamp`,
    apply: removePatients,
  },
  {
    name: 'deleted-patients',
    table: 'patients',
    what: 'patients deleted (patients.deletedAt, users.isDeleted/deletedAt) longer ago',
    due: `select p.id from patients p join users u on u.id = p."userId"
          where (p."deletedAt" is not null or coalesce(u."isDeleted", false))
            and coalesce(p."deletedAt", u."deletedAt", u."updatedAt") < ?::timestamp`,
    apply: removePatients,
  },
  {
    name: 'audit-errors',
    table: 'audit_logs',
    what: 'audit rows of failures (error logs)',
    due: `select id from audit_logs where success = false and "createdAt" < ?::timestamp`,
    apply: async (sql, rows) => void (await sql(`delete from audit_logs where id in (${list(rows)})`, rows)),
  },
  {
    name: 'audit-access',
    table: 'audit_logs',
    what: `audit rows of reads, searches and logins (access logs): ${ACCESS}`,
    due: `select id from audit_logs where success is not false and action in ${ACCESS} and "createdAt" < ?::timestamp`,
    apply: async (sql, rows) => void (await sql(`delete from audit_logs where id in (${list(rows)})`, rows)),
  },
  {
    name: 'audit-logs',
    table: 'audit_logs',
    what: "every other audit row (all logs: changes, exports, the server's own jobs)",
    due: `select id from audit_logs where success is not false and action not in ${ACCESS} and "createdAt" < ?::timestamp`,
    apply: async (sql, rows) => void (await sql(`delete from audit_logs where id in (${list(rows)})`, rows)),
  },
  {
    name: 'sessions',
    table: 'users',
    what: 'session data: refresh tokens of users not signed in since (users.refreshToken cleared)',
    due: `select id from users where "refreshToken" is not null
            and coalesce("lastLoginAt", "updatedAt", "createdAt") < ?::timestamp`,
    apply: async (sql, rows) =>
      void (await sql(`update users set "refreshToken" = null where id in (${list(rows)})`, rows)),
  },
];
