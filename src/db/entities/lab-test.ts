// lab_tests: laboratory orders and their results (database-schema.md, Lab Tests Table).
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { JsonbShapeType } from '../jsonb/jsonb-shape-type.js';
import type { LabTestResult } from '../jsonb/shapes.js';
import { Patient } from './patient.js';

export const LabTest = defineEntity({
  name: 'LabTest',
  tableName: 'lab_tests',
  indexes: [
    { name: 'idx_lab_tests_patientId', properties: ['patientId'] },
    { name: 'idx_lab_tests_status', properties: ['status'] },
    { name: 'idx_lab_tests_orderedDate', properties: ['orderedDate'] },
  ],
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    patientId: () =>
      p
        .manyToOne(Patient)
        .fieldName('patientId')
        .mapToPk()
        .deleteRule('cascade')
        .updateRule('no action')
        .foreignKeyName('lab_tests_patientId_fkey'),
    testName: p.string().length(200),
    testCode: p.string().length(50).nullable(),
    status: p.string().length(50).nullable().defaultRaw(`'ordered'`),
    description: p.text(),
    orderedBy: p.string().length(100).nullable(),
    orderedDate: p.datetime().columnType('timestamp'),
    sampleCollectionDate: p.datetime().columnType('timestamp').nullable(),
    completionDate: p.datetime().columnType('timestamp').nullable(),
    testResults: p.type(new JsonbShapeType<LabTestResult[] | null>('testResults')).columnType('jsonb').nullable(),
    interpretation: p.text().nullable(),
    reportedBy: p.string().length(100).nullable(),
    reportPdfUrl: p.string().length(500).nullable(),
    notes: p.text().nullable(),
    createdAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    updatedAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    deletedAt: p.datetime().columnType('timestamp').nullable(),
  },
});

export type LabTest = InferEntity<typeof LabTest>;
