// AuditEvent ⇄ audit_logs (http://hl7.org/fhir/R4/auditevent.html), read and search only, shaped
// after the IHE Basic Audit Log Patterns (https://profiles.ihe.net/ITI/BALP/) as far as the columns
// allow: type and subtype from the action, outcome from success and errorMessage, the user and the
// client software as agents, the entity and the patients whose data was touched. Rows written by
// the hospital's own application (entityType as a table name: patients, users) render too.
import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding, Reference } from 'fhir/r4.js';
import { str } from './datatypes/columns.js';
import { dateParam, stringParam, tokenParam } from './params.js';
import { defineMapping, type JsonRow, type MapContext, type SearchParamDefinition } from './types.js';

export const AUDIT_EVENT_PROFILE = 'https://fhir-interop-server.dev/fhir/StructureDefinition/audit-event';
const OWN_CODES = 'https://fhir-interop-server.dev/fhir/CodeSystem/audit-action';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL = 'http://hl7.org/fhir/restful-interaction';

const REST: Coding = { system: EVENT_TYPE, code: 'rest', display: 'RESTful Operation' };
const AUTHENTICATION: Coding = { system: DCM, code: '110114', display: 'User Authentication' };
const EXPORT: Coding = { system: DCM, code: '110106', display: 'Export' };
const APPLICATION: Coding = { system: DCM, code: '110100', display: 'Application Activity' };

/** audit_logs.action → AuditEvent type, default subtype and action code (C, R, U, D, E). */
const ACTIONS: Record<string, { type: Coding; subtype: Coding; code: NonNullable<AuditEvent['action']> }> = {
  CREATE: { type: REST, subtype: { system: RESTFUL, code: 'create' }, code: 'C' },
  READ: { type: REST, subtype: { system: RESTFUL, code: 'read' }, code: 'R' },
  VREAD: { type: REST, subtype: { system: RESTFUL, code: 'vread' }, code: 'R' },
  HISTORY: { type: REST, subtype: { system: RESTFUL, code: 'history-instance' }, code: 'R' },
  UPDATE: { type: REST, subtype: { system: RESTFUL, code: 'update' }, code: 'U' },
  PATCH: { type: REST, subtype: { system: RESTFUL, code: 'patch' }, code: 'U' },
  DELETE: { type: REST, subtype: { system: RESTFUL, code: 'delete' }, code: 'D' },
  SEARCH: { type: REST, subtype: { system: RESTFUL, code: 'search-type' }, code: 'E' },
  OPERATION: { type: REST, subtype: { system: RESTFUL, code: 'operation' }, code: 'E' },
  EXPORT: { type: EXPORT, subtype: { system: OWN_CODES, code: 'export' }, code: 'R' },
  LOGIN: { type: AUTHENTICATION, subtype: { system: DCM, code: '110122', display: 'Login' }, code: 'E' },
  LOGOUT: { type: AUTHENTICATION, subtype: { system: DCM, code: '110123', display: 'Logout' }, code: 'E' },
  TOKEN: { type: AUTHENTICATION, subtype: { system: OWN_CODES, code: 'token' }, code: 'E' },
  RETENTION: { type: APPLICATION, subtype: { system: OWN_CODES, code: 'retention' }, code: 'D' },
  BACKUP: { type: APPLICATION, subtype: { system: OWN_CODES, code: 'backup' }, code: 'E' },
  RESTORE: { type: APPLICATION, subtype: { system: OWN_CODES, code: 'restore' }, code: 'E' },
};
const OTHER = { type: APPLICATION, code: 'E' as const };
const RESTFUL_CODES = new Set([
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'history-type',
  'history-system',
  'create',
  'search-type',
  'search-system',
  'operation',
  'batch',
  'transaction',
]);

/** Table names the hospital's application writes as entityType, and the resource their id is. */
const TABLE_TYPES: Record<string, string> = { patients: 'Patient', doctors: 'Practitioner' };
const PATIENT_TYPES = ['Patient', 'patients'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function subtypeOf(row: JsonRow): Coding | undefined {
  const code = /^FHIR (\S+) /.exec(str(row.description) ?? '')?.[1];
  if (code && RESTFUL_CODES.has(code)) return { system: RESTFUL, code };
  if (code?.startsWith('$')) return { system: RESTFUL, code: 'operation' };
  return ACTIONS[String(row.action)]?.subtype;
}

/** 0 success, 4 refused (a client error or a refusal recorded by another application), 8 a server failure. */
function outcomeOf(row: JsonRow): NonNullable<AuditEvent['outcome']> {
  if (row.success !== false) return '0';
  return /^5\d\d\b/.test(str(row.errorMessage) ?? '') ? '8' : '4';
}

function entityReference(type: string, id: string | undefined, ctx: MapContext): Reference | undefined {
  if (!id) return undefined;
  const resourceType = TABLE_TYPES[type] ?? (/^[A-Z][A-Za-z]+$/.test(type) ? type : undefined);
  return resourceType
    ? ctx.ref(resourceType as never, id)
    : { identifier: { system: ctx.identifierSystem(`table/${type}`), value: id }, display: type };
}

function agents(row: JsonRow, ctx: MapContext): AuditEventAgent[] {
  const userId = str(row.userId) ?? 'anonymous';
  const client = userId.startsWith('client:');
  const address = str(row.ipAddress);
  const user: AuditEventAgent = {
    type: {
      coding: [
        client
          ? { system: DCM, code: '110150', display: 'Application' }
          : {
              system: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type',
              code: 'humanuser',
              display: 'human user',
            },
      ],
    },
    who: {
      identifier: { system: ctx.identifierSystem(client ? 'oauth-client' : 'user'), value: userId },
      ...(str(row.userEmail) ? { display: str(row.userEmail) } : {}),
    },
    requestor: true,
    ...(address ? { network: { address, type: /^[\d.:a-f]+$/i.test(address) ? '2' : '1' } } : {}),
  };
  const userAgent = str(row.userAgent);
  if (!userAgent) return [user];
  return [
    user,
    {
      type: { coding: [{ system: DCM, code: '110150', display: 'Application' }] },
      who: { display: userAgent.slice(0, 500) },
      requestor: false,
    },
  ];
}

function entities(row: JsonRow, ctx: MapContext): AuditEventEntity[] {
  const type = str(row.entityType) ?? 'system';
  const id = str(row.entityId);
  const changes = (row.changes ?? null) as { old?: unknown; new?: unknown; query?: string; patients?: string[] } | null;
  const what = entityReference(type, id, ctx);
  const main: AuditEventEntity = {
    ...(what ? { what } : {}),
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
    ...(str(row.description) ? { description: str(row.description) } : {}),
    ...(changes?.query !== undefined ? { query: Buffer.from(changes.query).toString('base64') } : {}),
    ...(changes && ('old' in changes || 'new' in changes)
      ? { detail: [{ type: 'changes', valueString: JSON.stringify({ old: changes.old, new: changes.new }) }] }
      : {}),
  };
  const patients = new Set(changes?.patients ?? []);
  if (id && PATIENT_TYPES.includes(type)) patients.delete(id);
  const patientEntity = (patientId: string): AuditEventEntity => ({
    what: ctx.ref('Patient', patientId),
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
    role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
  });
  if (id && PATIENT_TYPES.includes(type))
    main.role = { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' };
  return [main, ...[...patients].map(patientEntity)];
}

/** A reference parameter over audit_logs columns: `Type/id` or a bare id, compiled by `condition`. */
function referenceParam(
  definition: string,
  condition: (type: string | undefined, id: string) => { sql: string; params: unknown[] },
): SearchParamDefinition {
  return {
    type: 'reference',
    definition,
    where({ code }) {
      const match = /^(?:.*\/)?([A-Za-z]+)\/([^/]+)$/.exec(code);
      return match ? condition(match[1], match[2]!) : condition(undefined, code);
    },
  };
}

const uuidOrNothing = (id: string) => (UUID.test(id) ? id : null);

/** a.action in (the actions `keep` selects), or with `others` every action except those `keep` rejects. */
function actionsWhere(keep: (coding: (typeof ACTIONS)[string]) => boolean, others = false) {
  const actions = Object.keys(ACTIONS).filter((action) => keep(ACTIONS[action]!) !== others);
  if (actions.length === 0) return { sql: others ? 'true' : 'false', params: [] };
  return { sql: `a.action ${others ? 'not in' : 'in'} (${actions.map(() => '?').join(', ')})`, params: actions };
}

export const auditEventMapping = defineMapping<AuditEvent>({
  resourceType: 'AuditEvent',
  profile: AUDIT_EVENT_PROFILE,
  interactions: ['read', 'search-type'],
  source: { table: 'audit_logs', from: 'audit_logs a', id: 'a.id', appendOnly: { lastUpdated: 'a."createdAt"' } },
  slots: [],
  summary: ['type', 'subtype', 'action', 'recorded', 'outcome', 'agent', 'source', 'entity'],
  search: {
    date: dateParam('http://hl7.org/fhir/SearchParameter/AuditEvent-date', 'a."createdAt"'),
    action: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-action',
      // E (execute) also covers actions of other applications this server does not know
      where: ({ code }) => actionsWhere((c) => c.code === code, code === OTHER.code),
    }),
    type: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-type',
      where: ({ system, code }) =>
        actionsWhere(
          (c) => c.type.code === code && (system === undefined || c.type.system === system),
          code === OTHER.type.code && (system === undefined || system === DCM),
        ),
    }),
    outcome: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-outcome',
      where: ({ code }) => {
        if (code === '0') return { sql: 'coalesce(a.success, true)', params: [] };
        if (code === '4')
          return { sql: `(a.success = false and coalesce(a."errorMessage", '') !~ '^5[0-9][0-9]')`, params: [] };
        if (code === '8') return { sql: `(a.success = false and a."errorMessage" ~ '^5[0-9][0-9]')`, params: [] };
        return { sql: 'false', params: [] };
      },
    }),
    address: stringParam('http://hl7.org/fhir/SearchParameter/AuditEvent-address', ['a."ipAddress"']),
    agent: referenceParam('http://hl7.org/fhir/SearchParameter/AuditEvent-agent', (_type, id) => ({
      sql: 'a."userId" = ?',
      params: [id],
    })),
    entity: referenceParam('http://hl7.org/fhir/SearchParameter/AuditEvent-entity', (type, id) => {
      const uuid = uuidOrNothing(id);
      if (!uuid) return { sql: 'false', params: [] };
      if (!type) return { sql: 'a."entityId" = ?::uuid', params: [uuid] };
      const types = [type, ...Object.keys(TABLE_TYPES).filter((t) => TABLE_TYPES[t] === type)];
      return {
        sql: `(a."entityId" = ?::uuid and a."entityType" in (${types.map(() => '?').join(', ')}))`,
        params: [uuid, ...types],
      };
    }),
    patient: referenceParam('http://hl7.org/fhir/SearchParameter/AuditEvent-patient', (type, id) => {
      const uuid = uuidOrNothing(id);
      if (!uuid || (type !== undefined && type !== 'Patient')) return { sql: 'false', params: [] };
      return {
        sql: `((a."entityId" = ?::uuid and a."entityType" in ('Patient', 'patients')) or (a.changes->'patients') @> ?::jsonb)`,
        params: [uuid, JSON.stringify([uuid])],
      };
    }),
  },

  read({ audit_logs: row }, ctx) {
    const r = row ?? {};
    const coding = ACTIONS[String(r.action)] ?? OTHER;
    const subtype = subtypeOf(r);
    const createdAt = str(r.createdAt);
    const event: Omit<AuditEvent, 'id' | 'meta'> = {
      resourceType: 'AuditEvent',
      type: coding.type,
      ...(subtype ? { subtype: [subtype] } : {}),
      action: coding.code,
      recorded: createdAt ? `${createdAt.replace(' ', 'T').replace(/Z?$/, 'Z')}` : new Date(0).toISOString(),
      outcome: outcomeOf(r),
      ...(str(r.errorMessage) ? { outcomeDesc: str(r.errorMessage) } : {}),
      agent: agents(r, ctx),
      source: {
        observer: { display: 'fhir-interop-server' },
        type: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
            code: '4',
            display: 'Application Server',
          },
        ],
      },
      entity: entities(r, ctx),
    };
    return event;
  },

  softDelete: {},
});
