// The ten tables of database-schema.md, in the document's order.
import { Appointment } from './appointment.js';
import { AuditLog } from './audit-log.js';
import { Doctor } from './doctor.js';
import { Invoice } from './invoice.js';
import { LabTest } from './lab-test.js';
import { MedicalRecord } from './medical-record.js';
import { Medicine } from './medicine.js';
import { Patient } from './patient.js';
import { Prescription } from './prescription.js';
import { User } from './user.js';

export { Appointment, AuditLog, Doctor, Invoice, LabTest, MedicalRecord, Medicine, Patient, Prescription, User };

export const entities = [
  User,
  Patient,
  Doctor,
  Appointment,
  MedicalRecord,
  Prescription,
  Invoice,
  LabTest,
  Medicine,
  AuditLog,
] as const;
