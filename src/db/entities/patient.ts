// patients: the clinical profile of a patient user (database-schema.md, Patients Table).
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { User } from './user.js';

export const Patient = defineEntity({
  name: 'Patient',
  tableName: 'patients',
  indexes: [
    { name: 'idx_patients_userId', properties: ['userId'] },
    { name: 'idx_patients_bloodType', properties: ['bloodType'] },
    { name: 'idx_patients_createdAt', properties: ['createdAt'] },
    {
      name: 'fhir_search_patients_mrn',
      expression: 'create index "fhir_search_patients_mrn" on "patients" ("patientId")',
    },
  ],
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    userId: () =>
      p
        .manyToOne(User)
        .fieldName('userId')
        .mapToPk()
        .unique('patients_userId_key')
        .deleteRule('cascade')
        .updateRule('no action')
        .foreignKeyName('patients_userId_fkey'),
    patientId: p.string().length(20).nullable(),
    ssn: p.string().length(255).nullable().lazy(),
    bloodType: p.string().length(10).nullable(),
    allergies: p.array().columnType('text[]').nullable().defaultRaw('ARRAY[]::TEXT[]'),
    chronicDiseases: p.array().columnType('text[]').nullable().defaultRaw('ARRAY[]::TEXT[]'),
    insuranceProvider: p.string().length(100).nullable(),
    insurancePolicyNumber: p.string().length(50).nullable(),
    insuranceExpiry: p.date().nullable(),
    emergencyContactName: p.string().length(100).nullable(),
    emergencyContactPhone: p.string().length(20).nullable(),
    emergencyContactRelation: p.string().length(50).nullable(),
    height: p.float().columnType('double precision').nullable(),
    weight: p.float().columnType('double precision').nullable(),
    maritalStatus: p.string().length(50).nullable(),
    occupation: p.string().length(100).nullable(),
    createdAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    updatedAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    deletedAt: p.datetime().columnType('timestamp').nullable(),
  },
});

export type Patient = InferEntity<typeof Patient>;
