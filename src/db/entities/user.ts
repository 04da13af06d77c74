// users: accounts of patients, doctors and staff (database-schema.md, Users Table).
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  indexes: [
    { name: 'idx_users_email', properties: ['email'] },
    { name: 'idx_users_userId', properties: ['userId'] },
    { name: 'idx_users_status', properties: ['status'] },
    {
      name: 'idx_users_deletedAt',
      expression: 'create index "idx_users_deletedAt" on "users" ("deletedAt") where "deletedAt" is null',
    },
    // the server's own search indexes (SearchIndexes migration)
    {
      name: 'fhir_search_users_family',
      expression: 'create index "fhir_search_users_family" on "users" (fhir_fold("lastName") text_pattern_ops)',
    },
    {
      name: 'fhir_search_users_given',
      expression: 'create index "fhir_search_users_given" on "users" (fhir_fold("firstName") text_pattern_ops)',
    },
    { name: 'fhir_search_users_email', expression: 'create index "fhir_search_users_email" on "users" (lower(email))' },
    {
      name: 'fhir_search_users_phone',
      expression: 'create index "fhir_search_users_phone" on "users" ("phoneNumber")',
    },
    {
      name: 'fhir_search_users_birthdate',
      expression: 'create index "fhir_search_users_birthdate" on "users" ("dateOfBirth")',
    },
  ],
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    userId: p.string().length(20).unique('users_userId_key'),
    email: p.string().length(255).unique('users_email_key'),
    firstName: p.string().length(100),
    lastName: p.string().length(100),
    phoneNumber: p.string().length(20).nullable(),
    dateOfBirth: p.date().nullable(),
    gender: p.string().length(10).nullable(),
    address: p.string().length(500).nullable(),
    city: p.string().length(100).nullable(),
    state: p.string().length(100).nullable(),
    postalCode: p.string().length(20).nullable(),
    country: p.string().length(100).nullable(),
    password: p.string().length(255).lazy(),
    roles: p.array().columnType('text[]').defaultRaw(`ARRAY['patient'::text]`),
    status: p.string().length(50).nullable().defaultRaw(`'pending_verification'`),
    emailVerified: p.boolean().nullable().defaultRaw('false'),
    refreshToken: p.text().nullable().lazy(),
    resetPasswordToken: p.text().nullable().lazy(),
    resetPasswordExpires: p.datetime().columnType('timestamp').nullable(),
    mfaEnabled: p.boolean().nullable().defaultRaw('false'),
    mfaSecret: p.text().nullable().lazy(),
    lastLoginAt: p.datetime().columnType('timestamp').nullable(),
    isDeleted: p.boolean().nullable().defaultRaw('false'),
    createdAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    updatedAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    deletedAt: p.datetime().columnType('timestamp').nullable(),
  },
});

export type User = InferEntity<typeof User>;
