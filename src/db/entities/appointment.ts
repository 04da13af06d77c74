// appointments: visits booked between a patient and a doctor (database-schema.md, Appointments Table).
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Doctor } from './doctor.js';
import { Patient } from './patient.js';

export const Appointment = defineEntity({
  name: 'Appointment',
  tableName: 'appointments',
  indexes: [
    { name: 'idx_appointments_patientId', properties: ['patientId'] },
    { name: 'idx_appointments_doctorId', properties: ['doctorId'] },
    { name: 'idx_appointments_date', properties: ['appointmentDate'] },
    { name: 'idx_appointments_status', properties: ['status'] },
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
        .foreignKeyName('appointments_patientId_fkey'),
    doctorId: () =>
      p
        .manyToOne(Doctor)
        .fieldName('doctorId')
        .mapToPk()
        .nullable()
        .deleteRule('set null')
        .updateRule('no action')
        .foreignKeyName('appointments_doctorId_fkey'),
    appointmentDate: p.datetime().columnType('timestamp'),
    appointmentTime: p.string().length(5),
    duration: p.integer().nullable(),
    status: p.string().length(50).nullable().defaultRaw(`'scheduled'`),
    reason: p.text().nullable(),
    notes: p.text().nullable(),
    diagnosis: p.text().nullable(),
    treatment: p.text().nullable(),
    isVirtual: p.boolean().nullable().defaultRaw('false'),
    meetingLink: p.string().length(500).nullable(),
    reminderSent: p.datetime().columnType('timestamp').nullable(),
    cancelledReason: p.text().nullable(),
    cancelledBy: p.uuid().nullable(),
    createdAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    updatedAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    deletedAt: p.datetime().columnType('timestamp').nullable(),
  },
});

export type Appointment = InferEntity<typeof Appointment>;
