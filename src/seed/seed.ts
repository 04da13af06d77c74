// Fills all ten tables with synthetic demo data (D12): patients and their history, doctors, the
// medicine catalogue, audit entries. Numbers (PAT-, DOC-, RX-, INV-) continue after existing rows.
import bcrypt from 'bcryptjs';
import { Faker, en, en_US, base } from '@faker-js/faker';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  Appointment,
  AuditLog,
  Doctor,
  Invoice,
  LabTest,
  MedicalRecord,
  Medicine,
  Patient,
  Prescription,
  User,
} from '../db/entities/index.js';
import { MEDICINES } from './catalogue.js';
import {
  doctorRows,
  medicineRow,
  patientChunk,
  type ChunkRows,
  type Row,
  type SeedDoctor,
  type SeedMedicine,
} from './generate.js';

export const DEMO_PASSWORD = 'demo-password';

export interface SeedOptions {
  patients: number;
  /** Doctors to add; default one per 40 patients, at least 3. */
  doctors?: number;
  seed?: number;
  chunkSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export type TableCounts = Record<
  | 'users'
  | 'patients'
  | 'doctors'
  | 'appointments'
  | 'medical_records'
  | 'prescriptions'
  | 'invoices'
  | 'lab_tests'
  | 'medicines'
  | 'audit_logs',
  number
>;

export interface SeedResult {
  inserted: TableCounts;
  rows: number;
  ms: number;
  adminEmail?: string;
}

const ENTITY_OF: Record<keyof TableCounts, string> = {
  users: User.meta.className,
  patients: Patient.meta.className,
  doctors: Doctor.meta.className,
  appointments: Appointment.meta.className,
  medical_records: MedicalRecord.meta.className,
  prescriptions: Prescription.meta.className,
  invoices: Invoice.meta.className,
  lab_tests: LabTest.meta.className,
  medicines: Medicine.meta.className,
  audit_logs: AuditLog.meta.className,
};

/** Parameters per INSERT stay well below PostgreSQL's 65,535. */
const MAX_PARAMS = 30000;

async function insert(em: EntityManager, table: keyof TableCounts, rows: readonly Row[], counts: TableCounts) {
  if (rows.length === 0) return;
  const perRow = Object.keys(rows[0]!).length;
  const batch = Math.max(1, Math.floor(MAX_PARAMS / perRow));
  for (let i = 0; i < rows.length; i += batch)
    await em.insertMany<object>(ENTITY_OF[table], rows.slice(i, i + batch) as object[]);
  counts[table] += rows.length;
}

async function nextNumber(em: EntityManager, sql: string): Promise<number> {
  const [row] = await em.execute<{ n: number | null }[]>(sql);
  return (row?.n ?? 0) + 1;
}

const maxSuffix = (table: string, column: string, pattern: string) =>
  `select max(substring("${column}" from '([0-9]+)$')::int) as n from "${table}" where "${column}" ~ '${pattern}'`;

export async function seed(em: EntityManager, options: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  const f = new Faker({ locale: [en_US, en, base], seed: options.seed ?? 20261201 });
  const now = new Date();
  const counts = Object.fromEntries(Object.keys(ENTITY_OF).map((t) => [t, 0])) as TableCounts;
  const passwordHash = await bcrypt.hash(DEMO_PASSWORD, 10);

  const next = {
    patient: await nextNumber(em, maxSuffix('users', 'userId', '^PAT-[0-9]+$')),
    doctor: await nextNumber(em, maxSuffix('users', 'userId', '^DOC-[0-9]+$')),
    prescription: await nextNumber(em, maxSuffix('prescriptions', 'prescriptionNumber', '^RX-[0-9]{4}-[0-9]+$')),
    invoice: await nextNumber(em, maxSuffix('invoices', 'invoiceNumber', '^INV-[0-9]{4}-[0-9]+$')),
    medicine: await nextNumber(em, maxSuffix('medicines', 'medicineCode', '^MED-[0-9]+$')),
  };

  let adminEmail: string | undefined;
  const doctors: SeedDoctor[] = [];
  const medicines: SeedMedicine[] = [];
  await inOrmTransaction(em, async (tx) => {
    const [{ users } = { users: 0 }] = await tx.execute<{ users: number }[]>(
      'select count(*)::int as users from users',
    );
    const staff: Row[] = [];
    if (users === 0) {
      adminEmail = 'admin@example.org';
      staff.push({
        userId: 'ADM-000001',
        email: adminEmail,
        firstName: 'Ada',
        lastName: 'Admin',
        password: passwordHash,
        roles: ['admin'],
        status: 'active',
        emailVerified: true,
      });
    }
    const doctorCount = options.doctors ?? Math.max(3, Math.ceil(options.patients / 40));
    const doctorRowsList: Row[] = [];
    for (let i = 0; i < doctorCount; i++) {
      const made = doctorRows(f, next.doctor++, passwordHash, now);
      staff.push(made.user);
      doctorRowsList.push(made.doctor);
      doctors.push(made.seed);
    }
    await insert(tx, 'users', staff, counts);
    await insert(tx, 'doctors', doctorRowsList, counts);

    const existing = await tx.execute<{ id: string; medicineCode: string; name: string }[]>(
      'select id, "medicineCode", name from medicines where "isActive" is not false and "deletedAt" is null',
    );
    const known = new Set(existing.map((m) => m.name));
    const medicineRowsList: Row[] = [];
    for (const catalogue of MEDICINES) {
      const row = existing.find((m) => m.name === catalogue.name);
      if (row) medicines.push({ id: row.id, medicineCode: row.medicineCode, catalogue });
      else if (!known.has(catalogue.name)) {
        const made = medicineRow(f, next.medicine++, catalogue, now);
        medicineRowsList.push(made);
        medicines.push({ id: made.id as string, medicineCode: made.medicineCode as string, catalogue });
      }
    }
    await insert(tx, 'medicines', medicineRowsList, counts);
  });

  const chunkSize = options.chunkSize ?? 500;
  const ctx = { f, now, passwordHash, doctors, medicines, booked: new Set<string>(), next };
  for (let done = 0; done < options.patients;) {
    const size = Math.min(chunkSize, options.patients - done);
    const rows: ChunkRows = patientChunk(ctx, size);
    await inOrmTransaction(em, async (tx) => {
      for (const table of [
        'users',
        'patients',
        'appointments',
        'medical_records',
        'prescriptions',
        'invoices',
        'lab_tests',
        'audit_logs',
      ] as const)
        await insert(tx, table, rows[table], counts);
    });
    done += size;
    options.onProgress?.(done, options.patients);
  }

  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return { inserted: counts, rows: total, ms: Date.now() - started, adminEmail };
}

/**
 * A transaction through begin/commit rather than em.transactional: that one enters an
 * AsyncLocalStorage, and once entered Node 20 keeps its promise hooks for the life of the process,
 * making every later promise of the server several times slower.
 */
async function inOrmTransaction(em: EntityManager, work: (tx: EntityManager) => Promise<void>): Promise<void> {
  const tx = em.fork();
  await tx.begin();
  try {
    await work(tx);
    await tx.commit();
  } catch (error) {
    await tx.rollback();
    throw error;
  }
}
