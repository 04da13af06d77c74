// doctors: the professional profile of a doctor user (database-schema.md, Doctors Table).
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { JsonbShapeType } from '../jsonb/jsonb-shape-type.js';
import type { AvailableSlots } from '../jsonb/shapes.js';
import { User } from './user.js';

export const Doctor = defineEntity({
  name: 'Doctor',
  tableName: 'doctors',
  indexes: [
    { name: 'idx_doctors_userId', properties: ['userId'] },
    { name: 'idx_doctors_specialization', properties: ['specialization'] },
    { name: 'idx_doctors_licenseNumber', properties: ['licenseNumber'] },
    {
      name: 'fhir_search_doctors_doctorid',
      expression: 'create index "fhir_search_doctors_doctorid" on "doctors" ("doctorId")',
    },
  ],
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    userId: () =>
      p
        .manyToOne(User)
        .fieldName('userId')
        .mapToPk()
        .unique('doctors_userId_key')
        .deleteRule('cascade')
        .updateRule('no action')
        .foreignKeyName('doctors_userId_fkey'),
    doctorId: p.string().length(20).nullable(),
    specialization: p.string().length(100),
    licenseNumber: p.string().length(50).nullable(),
    licenseExpiry: p.date().nullable(),
    registrationNumber: p.string().length(50).nullable(),
    qualifications: p.array().columnType('text[]').nullable().defaultRaw('ARRAY[]::TEXT[]'),
    certifications: p.array().columnType('text[]').nullable().defaultRaw('ARRAY[]::TEXT[]'),
    yearsOfExperience: p.integer().nullable(),
    rating: p.float().columnType('double precision').nullable().defaultRaw('0'),
    totalConsultations: p.integer().nullable().defaultRaw('0'),
    availableSlots: p
      .type(new JsonbShapeType<AvailableSlots>('availableSlots'))
      .columnType('jsonb')
      .nullable()
      .defaultRaw(`'{}'::JSONB`),
    consultationFee: p.decimal().precision(10).scale(2).nullable().defaultRaw('0'),
    biography: p.text().nullable(),
    profileImageUrl: p.string().length(500).nullable(),
    isActive: p.boolean().nullable().defaultRaw('true'),
    createdAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    updatedAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    deletedAt: p.datetime().columnType('timestamp').nullable(),
  },
});

export type Doctor = InferEntity<typeof Doctor>;
