// The ten tables of database-schema.md, exactly: columns, defaults, unique keys, foreign keys, indexes (D1).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261201000000InitialSchema extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "users" (
      "id" uuid not null default gen_random_uuid(),
      "userId" varchar(20) not null,
      "email" varchar(255) not null,
      "firstName" varchar(100) not null,
      "lastName" varchar(100) not null,
      "phoneNumber" varchar(20) null,
      "dateOfBirth" date null,
      "gender" varchar(10) null,
      "address" varchar(500) null,
      "city" varchar(100) null,
      "state" varchar(100) null,
      "postalCode" varchar(20) null,
      "country" varchar(100) null,
      "password" varchar(255) not null,
      "roles" text[] not null default ARRAY['patient'],
      "status" varchar(50) null default 'pending_verification',
      "emailVerified" boolean null default false,
      "refreshToken" text null,
      "resetPasswordToken" text null,
      "resetPasswordExpires" timestamp null,
      "mfaEnabled" boolean null default false,
      "mfaSecret" text null,
      "lastLoginAt" timestamp null,
      "isDeleted" boolean null default false,
      "createdAt" timestamp null default CURRENT_TIMESTAMP,
      "updatedAt" timestamp null default CURRENT_TIMESTAMP,
      "deletedAt" timestamp null,
      constraint "users_pkey" primary key ("id")
    );`);
    this.addSql(`alter table "users" add constraint "users_userId_key" unique ("userId");`);
    this.addSql(`alter table "users" add constraint "users_email_key" unique ("email");`);
    this.addSql(`create index "idx_users_email" on "users" ("email");`);
    this.addSql(`create index "idx_users_userId" on "users" ("userId");`);
    this.addSql(`create index "idx_users_status" on "users" ("status");`);
    this.addSql(`create index "idx_users_deletedAt" on "users" ("deletedAt") where "deletedAt" is null;`);
    this.addSql(`create table "patients" (
      "id" uuid not null default gen_random_uuid(),
      "userId" uuid not null,
      "patientId" varchar(20) null,
      "ssn" varchar(255) null,
      "bloodType" varchar(10) null,
      "allergies" text[] null default ARRAY[]::TEXT[],
      "chronicDiseases" text[] null default ARRAY[]::TEXT[],
      "insuranceProvider" varchar(100) null,
      "insurancePolicyNumber" varchar(50) null,
      "insuranceExpiry" date null,
      "emergencyContactName" varchar(100) null,
      "emergencyContactPhone" varchar(20) null,
      "emergencyContactRelation" varchar(50) null,
      "height" double precision null,
      "weight" double precision null,
      "maritalStatus" varchar(50) null,
      "occupation" varchar(100) null,
      "createdAt" timestamp null default CURRENT_TIMESTAMP,
      "updatedAt" timestamp null default CURRENT_TIMESTAMP,
      "deletedAt" timestamp null,
      constraint "patients_pkey" primary key ("id")
    );`);
    this.addSql(`alter table "patients" add constraint "patients_userId_key" unique ("userId");`);
    this.addSql(`create index "idx_patients_userId" on "patients" ("userId");`);
    this.addSql(`create index "idx_patients_bloodType" on "patients" ("bloodType");`);
    this.addSql(`create index "idx_patients_createdAt" on "patients" ("createdAt");`);
    this.addSql(
      `alter table "patients" add constraint "patients_userId_fkey" foreign key ("userId") references "users" ("id") on update no action on delete cascade;`,
    );
    this.addSql(`create table "doctors" (
      "id" uuid not null default gen_random_uuid(),
      "userId" uuid not null,
      "doctorId" varchar(20) null,
      "specialization" varchar(100) not null,
      "licenseNumber" varchar(50) null,
      "licenseExpiry" date null,
      "registrationNumber" varchar(50) null,
      "qualifications" text[] null default ARRAY[]::TEXT[],
      "certifications" text[] null default ARRAY[]::TEXT[],
      "yearsOfExperience" int null,
      "rating" double precision null default 0,
      "totalConsultations" int null default 0,
      "availableSlots" jsonb null default '{}'::JSONB,
      "consultationFee" numeric(10,2) null default 0,
      "biography" text null,
      "profileImageUrl" varchar(500) null,
      "isActive" boolean null default true,
      "createdAt" timestamp null default CURRENT_TIMESTAMP,
      "updatedAt" timestamp null default CURRENT_TIMESTAMP,
      "deletedAt" timestamp null,
      constraint "doctors_pkey" primary key ("id")
    );`);
    this.addSql(`alter table "doctors" add constraint "doctors_userId_key" unique ("userId");`);
    this.addSql(`create index "idx_doctors_userId" on "doctors" ("userId");`);
    this.addSql(`create index "idx_doctors_specialization" on "doctors" ("specialization");`);
    this.addSql(`create index "idx_doctors_licenseNumber" on "doctors" ("licenseNumber");`);
    this.addSql(
      `alter table "doctors" add constraint "doctors_userId_fkey" foreign key ("userId") references "users" ("id") on update no action on delete cascade;`,
    );
    this.addSql(`create table "appointments" (
      "id" uuid not null default gen_random_uuid(),
      "patientId" uuid not null,
      "doctorId" uuid null,
      "appointmentDate" timestamp not null,
      "appointmentTime" varchar(5) not null,
      "duration" int null,
      "status" varchar(50) null default 'scheduled',
      "reason" text null,
      "notes" text null,
      "diagnosis" text null,
      "treatment" text null,
      "isVirtual" boolean null default false,
      "meetingLink" varchar(500) null,
      "reminderSent" timestamp null,
      "cancelledReason" text null,
      "cancelledBy" uuid null,
      "createdAt" timestamp null default CURRENT_TIMESTAMP,
      "updatedAt" timestamp null default CURRENT_TIMESTAMP,
      "deletedAt" timestamp null,
      constraint "appointments_pkey" primary key ("id")
    );`);
    this.addSql(`create index "idx_appointments_patientId" on "appointments" ("patientId");`);
    this.addSql(`create index "idx_appointments_doctorId" on "appointments" ("doctorId");`);
    this.addSql(`create index "idx_appointments_date" on "appointments" ("appointmentDate");`);
    this.addSql(`create index "idx_appointments_status" on "appointments" ("status");`);
    this.addSql(
      `alter table "appointments" add constraint "appointments_patientId_fkey" foreign key ("patientId") references "patients" ("id") on update no action on delete cascade;`,
    );
    this.addSql(
      `alter table "appointments" add constraint "appointments_doctorId_fkey" foreign key ("doctorId") references "doctors" ("id") on update no action on delete set null;`,
    );
    this.addSql(`create table "medical_records" (
      "id" uuid not null default gen_random_uuid(),
      "patientId" uuid not null,
      "recordType" varchar(100) not null,
      "title" varchar(200) not null,
      "description" text not null,
      "findings" text null,
      "diagnosis" text null,
      "treatment" text null,
      "doctorName" varchar(100) null,
      "doctorId" uuid null,
      "attachmentUrls" text[] null default ARRAY[]::TEXT[],
      "visitDate" date null,
      "isConfidential" boolean null default true,
      "createdAt" timestamp null default CURRENT_TIMESTAMP,
      "updatedAt" timestamp null default CURRENT_TIMESTAMP,
      constraint "medical_records_pkey" primary key ("id")
    );`);
    this.addSql(`create index "idx_medical_records_patientId" on "medical_records" ("patientId");`);
    this.addSql(`create index "idx_medical_records_recordType" on "medical_records" ("recordType");`);
    this.addSql(`create index "idx_medical_records_createdAt" on "medical_records" ("createdAt");`);
    this.addSql(
      `alter table "medical_records" add constraint "medical_records_patientId_fkey" foreign key ("patientId") references "patients" ("id") on update no action on delete cascade;`,
    );
    this.addSql(`create table "prescriptions" (
      "id" uuid not null default gen_random_uuid(),
      "patientId" uuid not null,
      "doctorId" uuid null,
      "prescriptionNumber" varchar(50) not null,
      "status" varchar(50) null default 'draft',
      "medicines" jsonb not null,
      "notes" text null,
      "diagnosis" text null,
      "issuedDate" timestamp not null,
      "expiryDate" timestamp null,
      "isRecurring" boolean null default false,
      "recurringEndDate" timestamp null,
      "isDigitallySigned" boolean null default false,
      "digitalSignatureUrl" varchar(500) null,
      "pdfUrl" varchar(500) null,
      "pharmacyNotified" text[] null default ARRAY[]::TEXT[],
      "createdAt" timestamp null default CURRENT_TIMESTAMP,
      "updatedAt" timestamp null default CURRENT_TIMESTAMP,
      "deletedAt" timestamp null,
      constraint "prescriptions_pkey" primary key ("id")
    );`);
    this.addSql(
      `alter table "prescriptions" add constraint "prescriptions_prescriptionNumber_key" unique ("prescriptionNumber");`,
    );
    this.addSql(`create index "idx_prescriptions_patientId" on "prescriptions" ("patientId");`);
    this.addSql(`create index "idx_prescriptions_doctorId" on "prescriptions" ("doctorId");`);
    this.addSql(`create index "idx_prescriptions_status" on "prescriptions" ("status");`);
    this.addSql(`create index "idx_prescriptions_issuedDate" on "prescriptions" ("issuedDate");`);
    this.addSql(
      `alter table "prescriptions" add constraint "prescriptions_patientId_fkey" foreign key ("patientId") references "patients" ("id") on update no action on delete cascade;`,
    );
    this.addSql(
      `alter table "prescriptions" add constraint "prescriptions_doctorId_fkey" foreign key ("doctorId") references "doctors" ("id") on update no action on delete set null;`,
    );
    this.addSql(`create table "invoices" (
      "id" uuid not null default gen_random_uuid(),
      "patientId" uuid not null,
      "invoiceNumber" varchar(50) not null,
      "lineItems" jsonb not null,
      "subtotal" numeric(10,2) not null,
      "discount" numeric(10,2) null default 0,
      "taxAmount" numeric(10,2) null default 0,
      "taxPercentage" numeric(5,2) null default 0,
      "totalAmount" numeric(10,2) not null,
      "paidAmount" numeric(10,2) null default 0,
      "dueAmount" numeric(10,2) not null,
      "status" varchar(50) null default 'draft',
      "issueDate" timestamp not null,
      "dueDate" timestamp not null,
      "payments" jsonb null default 'null'::JSONB,
      "notes" text null,
      "insuranceClaimId" varchar(100) null,
      "pdfUrl" varchar(500) null,
      "createdAt" timestamp null default CURRENT_TIMESTAMP,
      "updatedAt" timestamp null default CURRENT_TIMESTAMP,
      "deletedAt" timestamp null,
      constraint "invoices_pkey" primary key ("id")
    );`);
    this.addSql(`alter table "invoices" add constraint "invoices_invoiceNumber_key" unique ("invoiceNumber");`);
    this.addSql(`create index "idx_invoices_patientId" on "invoices" ("patientId");`);
    this.addSql(`create index "idx_invoices_invoiceNumber" on "invoices" ("invoiceNumber");`);
    this.addSql(`create index "idx_invoices_status" on "invoices" ("status");`);
    this.addSql(`create index "idx_invoices_dueDate" on "invoices" ("dueDate");`);
    this.addSql(
      `alter table "invoices" add constraint "invoices_patientId_fkey" foreign key ("patientId") references "patients" ("id") on update no action on delete cascade;`,
    );
    this.addSql(`create table "lab_tests" (
      "id" uuid not null default gen_random_uuid(),
      "patientId" uuid not null,
      "testName" varchar(200) not null,
      "testCode" varchar(50) null,
      "status" varchar(50) null default 'ordered',
      "description" text not null,
      "orderedBy" varchar(100) null,
      "orderedDate" timestamp not null,
      "sampleCollectionDate" timestamp null,
      "completionDate" timestamp null,
      "testResults" jsonb null,
      "interpretation" text null,
      "reportedBy" varchar(100) null,
      "reportPdfUrl" varchar(500) null,
      "notes" text null,
      "createdAt" timestamp null default CURRENT_TIMESTAMP,
      "updatedAt" timestamp null default CURRENT_TIMESTAMP,
      "deletedAt" timestamp null,
      constraint "lab_tests_pkey" primary key ("id")
    );`);
    this.addSql(`create index "idx_lab_tests_patientId" on "lab_tests" ("patientId");`);
    this.addSql(`create index "idx_lab_tests_status" on "lab_tests" ("status");`);
    this.addSql(`create index "idx_lab_tests_orderedDate" on "lab_tests" ("orderedDate");`);
    this.addSql(
      `alter table "lab_tests" add constraint "lab_tests_patientId_fkey" foreign key ("patientId") references "patients" ("id") on update no action on delete cascade;`,
    );
    this.addSql(`create table "medicines" (
      "id" uuid not null default gen_random_uuid(),
      "medicineCode" varchar(50) not null,
      "name" varchar(200) not null,
      "genericName" varchar(200) null,
      "strength" varchar(50) not null,
      "formulation" varchar(50) not null,
      "manufacturer" varchar(100) null,
      "batchNumber" varchar(50) null,
      "description" text null,
      "purchasePrice" numeric(10,2) not null,
      "sellingPrice" numeric(10,2) not null,
      "stock" int null default 0,
      "reorderLevel" int null default 50,
      "expiryDate" timestamp null,
      "sideEffects" text[] null default ARRAY[]::TEXT[],
      "contraindications" text[] null default ARRAY[]::TEXT[],
      "storageConditions" text null,
      "isActive" boolean null default true,
      "createdAt" timestamp null default CURRENT_TIMESTAMP,
      "updatedAt" timestamp null default CURRENT_TIMESTAMP,
      "deletedAt" timestamp null,
      constraint "medicines_pkey" primary key ("id")
    );`);
    this.addSql(`alter table "medicines" add constraint "medicines_medicineCode_key" unique ("medicineCode");`);
    this.addSql(`create index "idx_medicines_medicineCode" on "medicines" ("medicineCode");`);
    this.addSql(`create index "idx_medicines_name" on "medicines" ("name");`);
    this.addSql(`create index "idx_medicines_stock" on "medicines" ("stock");`);
    this.addSql(`create table "audit_logs" (
      "id" uuid not null default gen_random_uuid(),
      "userId" varchar(50) not null,
      "userEmail" varchar(255) not null,
      "action" varchar(50) not null,
      "entityType" varchar(100) not null,
      "entityId" uuid null,
      "changes" jsonb null,
      "ipAddress" varchar(45) null,
      "userAgent" text null,
      "description" text null,
      "success" boolean null default true,
      "errorMessage" text null,
      "createdAt" timestamp null default CURRENT_TIMESTAMP,
      constraint "audit_logs_pkey" primary key ("id")
    );`);
    this.addSql(`create index "idx_audit_userId" on "audit_logs" ("userId");`);
    this.addSql(`create index "idx_audit_action" on "audit_logs" ("action");`);
    this.addSql(`create index "idx_audit_entityType" on "audit_logs" ("entityType");`);
    this.addSql(`create index "idx_audit_createdAt" on "audit_logs" ("createdAt" desc);`);
    this.addSql(`create index "idx_audit_ipAddress" on "audit_logs" ("ipAddress");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_logs" cascade;`);
    this.addSql(`drop table if exists "medicines" cascade;`);
    this.addSql(`drop table if exists "lab_tests" cascade;`);
    this.addSql(`drop table if exists "invoices" cascade;`);
    this.addSql(`drop table if exists "prescriptions" cascade;`);
    this.addSql(`drop table if exists "medical_records" cascade;`);
    this.addSql(`drop table if exists "appointments" cascade;`);
    this.addSql(`drop table if exists "doctors" cascade;`);
    this.addSql(`drop table if exists "patients" cascade;`);
    this.addSql(`drop table if exists "users" cascade;`);
  }
}
