// prescriptions: medicines prescribed to a patient (database-schema.md, Prescriptions Table).
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { JsonbShapeType } from '../jsonb/jsonb-shape-type.js';
import type { PrescribedMedicine } from '../jsonb/shapes.js';
import { Doctor } from './doctor.js';
import { Patient } from './patient.js';

export const Prescription = defineEntity({
  name: 'Prescription',
  tableName: 'prescriptions',
  indexes: [
    { name: 'idx_prescriptions_patientId', properties: ['patientId'] },
    { name: 'idx_prescriptions_doctorId', properties: ['doctorId'] },
    { name: 'idx_prescriptions_status', properties: ['status'] },
    { name: 'idx_prescriptions_issuedDate', properties: ['issuedDate'] },
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
        .foreignKeyName('prescriptions_patientId_fkey'),
    doctorId: () =>
      p
        .manyToOne(Doctor)
        .fieldName('doctorId')
        .mapToPk()
        .nullable()
        .deleteRule('set null')
        .updateRule('no action')
        .foreignKeyName('prescriptions_doctorId_fkey'),
    prescriptionNumber: p.string().length(50).unique('prescriptions_prescriptionNumber_key'),
    status: p.string().length(50).nullable().defaultRaw(`'draft'`),
    medicines: p.type(new JsonbShapeType<PrescribedMedicine[]>('medicines')).columnType('jsonb'),
    notes: p.text().nullable(),
    diagnosis: p.text().nullable(),
    issuedDate: p.datetime().columnType('timestamp'),
    expiryDate: p.datetime().columnType('timestamp').nullable(),
    isRecurring: p.boolean().nullable().defaultRaw('false'),
    recurringEndDate: p.datetime().columnType('timestamp').nullable(),
    isDigitallySigned: p.boolean().nullable().defaultRaw('false'),
    digitalSignatureUrl: p.string().length(500).nullable(),
    pdfUrl: p.string().length(500).nullable(),
    pharmacyNotified: p.array().columnType('text[]').nullable().defaultRaw('ARRAY[]::TEXT[]'),
    createdAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    updatedAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    deletedAt: p.datetime().columnType('timestamp').nullable(),
  },
});

export type Prescription = InferEntity<typeof Prescription>;
