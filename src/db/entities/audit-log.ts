// audit_logs: who did what, when and from where (database-schema.md, Audit Logs Table).
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { JsonbShapeType } from '../jsonb/jsonb-shape-type.js';
import type { AuditChanges } from '../jsonb/shapes.js';

export const AuditLog = defineEntity({
  name: 'AuditLog',
  tableName: 'audit_logs',
  indexes: [
    { name: 'idx_audit_userId', properties: ['userId'] },
    { name: 'idx_audit_action', properties: ['action'] },
    { name: 'idx_audit_entityType', properties: ['entityType'] },
    {
      name: 'idx_audit_createdAt',
      expression: 'create index "idx_audit_createdAt" on "audit_logs" ("createdAt" desc)',
    },
    { name: 'idx_audit_ipAddress', properties: ['ipAddress'] },
    // the server's own (Migration20261202000200AuditEvent): AuditEvent search by entity and patient
    { name: 'fhir_audit_entity', properties: ['entityId'] },
    {
      name: 'fhir_audit_patients',
      expression: `create index "fhir_audit_patients" on "audit_logs" using gin (("changes"->'patients') jsonb_path_ops) where "changes"->'patients' is not null`,
    },
  ],
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    userId: p.string().length(50),
    userEmail: p.string().length(255),
    action: p.string().length(50),
    entityType: p.string().length(100),
    entityId: p.uuid().nullable(),
    changes: p.type(new JsonbShapeType<AuditChanges | null>('changes')).columnType('jsonb').nullable(),
    ipAddress: p.string().length(45).nullable(),
    userAgent: p.text().nullable(),
    description: p.text().nullable(),
    success: p.boolean().nullable().defaultRaw('true'),
    errorMessage: p.text().nullable(),
    createdAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
  },
});

export type AuditLog = InferEntity<typeof AuditLog>;
