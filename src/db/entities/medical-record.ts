// medical_records: clinical notes and documents of a patient (database-schema.md, Medical Records Table).
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Patient } from './patient.js';

export const MedicalRecord = defineEntity({
  name: 'MedicalRecord',
  tableName: 'medical_records',
  indexes: [
    { name: 'idx_medical_records_patientId', properties: ['patientId'] },
    { name: 'idx_medical_records_recordType', properties: ['recordType'] },
    { name: 'idx_medical_records_createdAt', properties: ['createdAt'] },
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
        .foreignKeyName('medical_records_patientId_fkey'),
    recordType: p.string().length(100),
    title: p.string().length(200),
    description: p.text(),
    findings: p.text().nullable(),
    diagnosis: p.text().nullable(),
    treatment: p.text().nullable(),
    doctorName: p.string().length(100).nullable(),
    doctorId: p.uuid().nullable(),
    attachmentUrls: p.array().columnType('text[]').nullable().defaultRaw('ARRAY[]::TEXT[]'),
    visitDate: p.date().nullable(),
    isConfidential: p.boolean().nullable().defaultRaw('true'),
    createdAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    updatedAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
  },
});

export type MedicalRecord = InferEntity<typeof MedicalRecord>;
