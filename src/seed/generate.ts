// Builds realistic synthetic rows for all ten tables, one chunk of patients at a time, with
// consistent foreign keys and JSONB that matches its shapes. Money is computed in cents.
import { randomUUID } from 'node:crypto';
import type { Faker } from '@faker-js/faker';
import type {
  AvailableSlots,
  InvoiceLineItem,
  InvoicePayment,
  LabTestResult,
  PrescribedMedicine,
} from '../db/jsonb/shapes.js';
import {
  ALLERGIES,
  BLOOD_TYPES,
  CHRONIC_DISEASES,
  DIAGNOSES,
  INSURERS,
  LAB_PANELS,
  LOINC,
  MARITAL_STATUSES,
  RELATIONS,
  SPECIALIZATIONS,
  VISIT_REASONS,
  type CatalogueMedicine,
} from './catalogue.js';

export type Row = Record<string, unknown>;

export interface SeedDoctor {
  id: string;
  userId: string;
  email: string;
  name: string;
  slots: { day: string; start: number; end: number }[];
}

export interface SeedMedicine {
  id: string;
  medicineCode: string;
  catalogue: CatalogueMedicine;
}

export interface ChunkRows {
  users: Row[];
  patients: Row[];
  appointments: Row[];
  medical_records: Row[];
  prescriptions: Row[];
  invoices: Row[];
  lab_tests: Row[];
  audit_logs: Row[];
}

export const pad = (n: number, width: number) => String(n).padStart(width, '0');
export const cents = (value: number) => {
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(Math.round(value));
  return `${sign}${Math.floor(abs / 100)}.${pad(abs % 100, 2)}`;
};
const dateOnly = (d: Date) => d.toISOString().slice(0, 10);
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const hhmm = (minutes: number) => `${pad(Math.floor(minutes / 60), 2)}:${pad(minutes % 60, 2)}`;

function userRow(f: Faker, userId: string, roles: string[], passwordHash: string, unique: string, now: Date): Row {
  const sex = f.person.sexType();
  const firstName = f.person.firstName(sex);
  const lastName = f.person.lastName();
  const createdAt = f.date.past({ years: 5, refDate: now });
  return {
    id: randomUUID(),
    userId,
    email: `${firstName}.${lastName}.${unique}@example.org`.toLowerCase().replace(/[^a-z0-9.@-]/g, ''),
    firstName,
    lastName,
    phoneNumber: f.phone.number({ style: 'national' }),
    dateOfBirth: dateOnly(f.date.birthdate({ mode: 'age', min: 1, max: 95, refDate: now })),
    gender: f.helpers.weightedArrayElement([
      { value: sex, weight: 97 },
      { value: 'other', weight: 3 },
    ]),
    address: f.location.streetAddress(),
    city: f.location.city(),
    state: f.location.state(),
    postalCode: f.location.zipCode(),
    country: 'United States',
    password: passwordHash,
    roles,
    status: f.helpers.weightedArrayElement([
      { value: 'active', weight: 90 },
      { value: 'inactive', weight: 5 },
      { value: 'pending_verification', weight: 5 },
    ]),
    emailVerified: f.datatype.boolean(0.9),
    mfaEnabled: false,
    lastLoginAt: f.datatype.boolean(0.7) ? f.date.recent({ days: 60, refDate: now }) : null,
    isDeleted: false,
    createdAt,
    updatedAt: createdAt,
  };
}

export function doctorRows(
  f: Faker,
  number: number,
  passwordHash: string,
  now: Date,
): { user: Row; doctor: Row; seed: SeedDoctor } {
  const userId = `DOC-${pad(number, 6)}`;
  const user = userRow(f, userId, ['doctor'], passwordHash, userId.toLowerCase(), now);
  user.status = 'active';
  user.dateOfBirth = dateOnly(f.date.birthdate({ mode: 'age', min: 30, max: 68, refDate: now }));
  const days = f.helpers.arrayElements(['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], { min: 3, max: 5 });
  const slots = days.map((day) => ({
    day,
    start: f.helpers.arrayElement([8, 9]) * 60,
    end: f.helpers.arrayElement([13, 16, 17]) * 60,
  }));
  const availableSlots: AvailableSlots = {
    timeZone: 'America/New_York',
    slotMinutes: 30,
    slots: slots.map((s, i) => ({
      id: `slot-${i + 1}`,
      day: s.day as 'mon',
      start: hhmm(s.start),
      end: hhmm(s.end),
      status: 'available',
    })),
  };
  const specialization = f.helpers.arrayElement(SPECIALIZATIONS);
  const doctor: Row = {
    id: randomUUID(),
    userId: user.id,
    doctorId: `EMP-${pad(number, 6)}`,
    specialization,
    licenseNumber: `MD${f.string.numeric(8)}`,
    licenseExpiry: dateOnly(f.date.future({ years: 3, refDate: now })),
    registrationNumber: `NPI${f.string.numeric(10)}`,
    qualifications: f.helpers.arrayElements(['MD', 'MBBS', 'DO', 'PhD', 'MPH', 'FACP'], { min: 1, max: 3 }),
    certifications: [`Board certified in ${specialization}`],
    yearsOfExperience: f.number.int({ min: 2, max: 35 }),
    rating: f.number.float({ min: 3, max: 5, fractionDigits: 1 }),
    totalConsultations: f.number.int({ min: 50, max: 5000 }),
    availableSlots,
    consultationFee: cents(f.number.int({ min: 60, max: 300 }) * 100),
    biography: `${user.firstName} ${user.lastName} practises ${specialization.toLowerCase()} with a focus on ${f.helpers.arrayElement(DIAGNOSES).toLowerCase()}.`,
    profileImageUrl: `https://files.example.org/doctors/${user.id}.jpg`,
    isActive: true,
    createdAt: user.createdAt,
    updatedAt: user.createdAt,
  };
  return {
    user,
    doctor,
    seed: {
      id: doctor.id as string,
      userId: user.id as string,
      email: user.email as string,
      name: `Dr. ${user.firstName} ${user.lastName}`,
      slots,
    },
  };
}

export function medicineRow(f: Faker, number: number, medicine: CatalogueMedicine, now: Date): Row {
  const purchase = Math.round(medicine.priceCents * 0.6);
  return {
    id: randomUUID(),
    medicineCode: `MED-${pad(number, 5)}`,
    name: medicine.name,
    genericName: medicine.genericName,
    strength: medicine.strength,
    formulation: medicine.formulation,
    manufacturer: f.company.name().slice(0, 100),
    batchNumber: `B${f.string.alphanumeric({ length: 8, casing: 'upper' })}`,
    description: `${medicine.genericName} ${medicine.strength} ${medicine.formulation.toLowerCase()}`,
    purchasePrice: cents(purchase),
    sellingPrice: cents(medicine.priceCents),
    stock: f.number.int({ min: 0, max: 2000 }),
    reorderLevel: 50,
    expiryDate: f.date.future({ years: 3, refDate: now }),
    sideEffects: medicine.sideEffects,
    contraindications: medicine.contraindications,
    storageConditions: 'Store below 25°C in a dry place',
    isActive: true,
  };
}

export interface ChunkContext {
  f: Faker;
  now: Date;
  passwordHash: string;
  doctors: readonly SeedDoctor[];
  medicines: readonly SeedMedicine[];
  /** Appointment times already taken, "doctorId date time". */
  booked: Set<string>;
  next: { patient: number; prescription: number; invoice: number };
}

function appointmentSlot(
  ctx: ChunkContext,
  doctor: SeedDoctor,
  past: boolean,
): { date: Date; time: string } | undefined {
  const { f, now } = ctx;
  for (let attempt = 0; attempt < 8; attempt++) {
    const day = past ? f.date.past({ years: 2, refDate: now }) : f.date.soon({ days: 60, refDate: now });
    const slot = doctor.slots.find((s) => s.day === DAYS[day.getUTCDay()]);
    if (!slot) continue;
    const minute = slot.start + 30 * f.number.int({ min: 0, max: (slot.end - slot.start) / 30 - 1 });
    const date = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()));
    const key = `${doctor.id} ${dateOnly(date)} ${hhmm(minute)}`;
    if (ctx.booked.has(key)) continue;
    ctx.booked.add(key);
    return { date, time: hhmm(minute) };
  }
  return undefined;
}

function labResults(f: Faker, panel: (typeof LAB_PANELS)[number], at: Date): LabTestResult[] {
  return panel.analytes.map((analyte, i) => {
    const result: LabTestResult = {
      id: `r${i + 1}`,
      code: analyte.code,
      codeSystem: LOINC,
      name: analyte.name,
      value: 0,
      status: 'final',
      observedAt: at.toISOString(),
    };
    if (analyte.text) {
      result.value = f.helpers.arrayElement(analyte.text);
      return result;
    }
    const low = analyte.low ?? (analyte.high ?? 1) * 0.4;
    const high = analyte.high ?? (analyte.low ?? 1) * 2.2;
    const spread = (high - low) * 0.35;
    const value = Number(
      f.number.float({ min: Math.max(0, low - spread), max: high + spread }).toFixed(analyte.decimals),
    );
    result.value = value;
    if (analyte.unit) result.unit = analyte.unit;
    result.referenceRange = {
      ...(analyte.low !== undefined ? { low: analyte.low } : {}),
      ...(analyte.high !== undefined ? { high: analyte.high } : {}),
    };
    result.flag =
      analyte.low !== undefined && value < analyte.low
        ? 'L'
        : analyte.high !== undefined && value > analyte.high
          ? 'H'
          : 'N';
    return result;
  });
}

function prescribed(f: Faker, medicine: SeedMedicine, index: number): PrescribedMedicine {
  const m = medicine.catalogue;
  const count = f.helpers.arrayElement([1, 2, 3]);
  const days = f.helpers.arrayElement([5, 7, 10, 14, 30, 90]);
  const unit =
    m.formulation === 'Syrup'
      ? 'mL'
      : m.formulation === 'Inhaler'
        ? 'puff'
        : m.formulation === 'Injection'
          ? 'unit'
          : m.formulation.toLowerCase();
  const dose = m.formulation === 'Syrup' ? 5 : m.formulation === 'Injection' ? 10 : 1;
  return {
    id: `m${index + 1}`,
    medicineId: medicine.id,
    medicineCode: medicine.medicineCode,
    name: m.name,
    genericName: m.genericName,
    strength: m.strength,
    form: m.formulation,
    dose: { value: dose, unit },
    route: m.route,
    frequency: {
      text: count === 1 ? 'once daily' : count === 2 ? 'twice daily' : 'three times daily',
      count,
      period: 1,
      periodUnit: 'd',
    },
    duration: { value: days, unit: 'd' },
    quantity: { value: dose * count * days, unit },
    refills: f.number.int({ min: 0, max: 3 }),
    instructions: f.helpers.arrayElement([
      'Take with food.',
      'Take with a full glass of water.',
      'Do not drive if drowsy.',
      'Complete the full course.',
    ]),
    substitutionAllowed: f.datatype.boolean(0.8),
  };
}

function invoice(
  ctx: ChunkContext,
  patientId: string,
  issueDate: Date,
  appointments: readonly Row[],
  number: number,
): Row {
  const { f } = ctx;
  const items: InvoiceLineItem[] = [];
  let subtotal = 0;
  let discount = 0;
  let tax = 0;
  const taxPercentage = f.helpers.arrayElement([0, 0, 5, 8.25]);
  const add = (
    description: string,
    code: string,
    quantity: number,
    unitCents: number,
    source?: InvoiceLineItem['source'],
  ) => {
    const gross = unitCents * quantity;
    const itemDiscount = f.datatype.boolean(0.2) ? Math.round(gross * 0.1) : 0;
    const itemTax = Math.round(((gross - itemDiscount) * taxPercentage) / 100);
    subtotal += gross;
    discount += itemDiscount;
    tax += itemTax;
    items.push({
      id: `li${items.length + 1}`,
      code,
      codeSystem: 'http://www.ama-assn.org/go/cpt',
      description,
      quantity,
      unitPrice: cents(unitCents),
      discount: cents(itemDiscount),
      taxPercentage: taxPercentage.toFixed(2),
      taxAmount: cents(itemTax),
      total: cents(gross - itemDiscount + itemTax),
      serviceDate: dateOnly(issueDate),
      ...(source ? { source } : {}),
    });
  };
  const visit = appointments.length > 0 ? f.helpers.arrayElement(appointments) : undefined;
  add(
    'Office visit, established patient',
    f.helpers.arrayElement(['99213', '99214', '99215']),
    1,
    f.number.int({ min: 80, max: 250 }) * 100,
    visit ? { type: 'appointment', id: visit.id as string } : undefined,
  );
  if (f.datatype.boolean(0.5)) add('Venipuncture', '36415', 1, 2500);
  if (f.datatype.boolean(0.3)) add('Electrocardiogram, routine', '93000', 1, 6500);
  const total = subtotal - discount + tax;
  const status = f.helpers.weightedArrayElement([
    { value: 'paid', weight: 45 },
    { value: 'partially_paid', weight: 15 },
    { value: 'issued', weight: 25 },
    { value: 'overdue', weight: 10 },
    { value: 'draft', weight: 5 },
  ]);
  const paidCents = status === 'paid' ? total : status === 'partially_paid' ? Math.round(total * 0.4) : 0;
  const payments: InvoicePayment[] | null =
    paidCents > 0
      ? [
          {
            id: 'p1',
            date: f.date.soon({ days: 20, refDate: issueDate }).toISOString(),
            amount: cents(paidCents),
            method: f.helpers.arrayElement(['card', 'cash', 'insurance', 'bank_transfer'] as const),
            reference: `TXN-${f.string.alphanumeric({ length: 10, casing: 'upper' })}`,
          },
        ]
      : null;
  return {
    id: randomUUID(),
    patientId,
    invoiceNumber: `INV-${issueDate.getUTCFullYear()}-${pad(number, 7)}`,
    lineItems: items,
    subtotal: cents(subtotal),
    discount: cents(discount),
    taxAmount: cents(tax),
    taxPercentage: taxPercentage.toFixed(2),
    totalAmount: cents(total),
    paidAmount: cents(paidCents),
    dueAmount: cents(total - paidCents),
    status,
    issueDate,
    dueDate: new Date(issueDate.getTime() + 30 * 86400000),
    payments,
    notes: f.datatype.boolean(0.2) ? 'Payment plan available on request.' : null,
    insuranceClaimId: f.datatype.boolean(0.4) ? `CLM-${f.string.numeric(9)}` : null,
    pdfUrl: `https://files.example.org/invoices/${number}.pdf`,
    createdAt: issueDate,
    updatedAt: issueDate,
  };
}

/** Rows for `count` new patients and their clinical history. */
export function patientChunk(ctx: ChunkContext, count: number): ChunkRows {
  const { f, now } = ctx;
  const rows: ChunkRows = {
    users: [],
    patients: [],
    appointments: [],
    medical_records: [],
    prescriptions: [],
    invoices: [],
    lab_tests: [],
    audit_logs: [],
  };
  for (let i = 0; i < count; i++) {
    const number = ctx.next.patient++;
    const userId = `PAT-${pad(number, 6)}`;
    const user = userRow(f, userId, ['patient'], ctx.passwordHash, userId.toLowerCase(), now);
    rows.users.push(user);
    const patientId = randomUUID();
    rows.patients.push({
      id: patientId,
      userId: user.id,
      patientId: `MRN-${pad(number, 8)}`,
      ssn: null,
      bloodType: f.helpers.arrayElement(BLOOD_TYPES),
      allergies: f.helpers.arrayElements(ALLERGIES, { min: 0, max: 2 }),
      chronicDiseases: f.helpers.arrayElements(CHRONIC_DISEASES, { min: 0, max: 2 }),
      insuranceProvider: f.helpers.arrayElement(INSURERS),
      insurancePolicyNumber: `POL-${f.string.alphanumeric({ length: 10, casing: 'upper' })}`,
      insuranceExpiry: dateOnly(f.date.future({ years: 2, refDate: now })),
      emergencyContactName: f.person.fullName(),
      emergencyContactPhone: f.phone.number({ style: 'national' }),
      emergencyContactRelation: f.helpers.arrayElement(RELATIONS),
      height: f.number.float({ min: 150, max: 195, fractionDigits: 1 }),
      weight: f.number.float({ min: 45, max: 120, fractionDigits: 1 }),
      maritalStatus: f.helpers.arrayElement(MARITAL_STATUSES),
      occupation: f.person.jobTitle().slice(0, 100),
      createdAt: user.createdAt,
      updatedAt: user.createdAt,
    });
    const mine: Row[] = [];
    for (let a = f.number.int({ min: 1, max: 5 }); a > 0; a--) {
      const doctor = f.helpers.arrayElement(ctx.doctors);
      const past = f.datatype.boolean(0.7);
      const slot = appointmentSlot(ctx, doctor, past);
      if (!slot) continue;
      const status = past
        ? f.helpers.weightedArrayElement([
            { value: 'completed', weight: 80 },
            { value: 'cancelled', weight: 12 },
            { value: 'no-show', weight: 8 },
          ])
        : f.helpers.weightedArrayElement([
            { value: 'scheduled', weight: 60 },
            { value: 'confirmed', weight: 40 },
          ]);
      const isVirtual = f.datatype.boolean(0.2);
      const cancelled = status === 'cancelled';
      const completed = status === 'completed';
      const row: Row = {
        id: randomUUID(),
        patientId,
        doctorId: doctor.id,
        appointmentDate: slot.date,
        appointmentTime: slot.time,
        duration: 30,
        status,
        reason: f.helpers.arrayElement(VISIT_REASONS),
        notes: f.datatype.boolean(0.3) ? 'Patient requested a morning slot.' : null,
        diagnosis: completed ? f.helpers.arrayElement(DIAGNOSES) : null,
        treatment: completed
          ? f.helpers.arrayElement([
              'Lifestyle advice given',
              'Medication started',
              'Referred for imaging',
              'Follow-up in 3 months',
            ])
          : null,
        isVirtual,
        meetingLink: isVirtual ? `https://meet.example.org/${f.string.alphanumeric(10)}` : null,
        reminderSent: past || f.datatype.boolean(0.5) ? new Date(slot.date.getTime() - 86400000) : null,
        cancelledReason: cancelled
          ? f.helpers.arrayElement(['Patient unwell', 'Scheduling conflict', 'Doctor unavailable'])
          : null,
        cancelledBy: cancelled ? f.helpers.arrayElement([user.id, doctor.userId]) : null,
        createdAt: new Date(slot.date.getTime() - 14 * 86400000),
        updatedAt: new Date(slot.date.getTime() - 14 * 86400000),
      };
      rows.appointments.push(row);
      mine.push(row);
    }
    const visits = mine.filter((a) => a.status === 'completed');
    for (const visit of visits.slice(0, 3)) {
      const doctor = ctx.doctors.find((d) => d.id === visit.doctorId)!;
      const visitDate = visit.appointmentDate as Date;
      rows.medical_records.push({
        id: randomUUID(),
        patientId,
        recordType: f.helpers.weightedArrayElement([
          { value: 'consultation', weight: 60 },
          { value: 'diagnosis', weight: 25 },
          { value: 'test', weight: 10 },
          { value: 'surgery', weight: 5 },
        ]),
        title: `${visit.reason as string}`.slice(0, 200),
        description: `Seen for ${(visit.reason as string).toLowerCase()}. ${f.lorem.sentence()}`,
        findings: f.helpers.arrayElement([
          'Vital signs within normal limits.',
          'Mild tenderness on palpation.',
          'Blood pressure elevated.',
          'Clear lung fields.',
        ]),
        diagnosis: visit.diagnosis,
        treatment: visit.treatment,
        doctorName: doctor.name,
        doctorId: doctor.id,
        attachmentUrls: f.datatype.boolean(0.3) ? [`https://files.example.org/records/${randomUUID()}.pdf`] : [],
        visitDate: dateOnly(visitDate),
        isConfidential: f.datatype.boolean(0.2),
        createdAt: visitDate,
        updatedAt: visitDate,
      });
      if (f.datatype.boolean(0.6)) {
        const chosen = f.helpers.arrayElements(ctx.medicines, { min: 1, max: 3 });
        const issuedDate = new Date(visitDate.getTime() + 3600000);
        const number = ctx.next.prescription++;
        rows.prescriptions.push({
          id: randomUUID(),
          patientId,
          doctorId: doctor.id,
          prescriptionNumber: `RX-${issuedDate.getUTCFullYear()}-${pad(number, 7)}`,
          status: f.helpers.weightedArrayElement([
            { value: 'active', weight: 40 },
            { value: 'fulfilled', weight: 35 },
            { value: 'issued', weight: 15 },
            { value: 'draft', weight: 5 },
            { value: 'cancelled', weight: 5 },
          ]),
          medicines: chosen.map((m, idx) => prescribed(f, m, idx)),
          notes: f.datatype.boolean(0.3) ? 'Review in two weeks.' : null,
          diagnosis: visit.diagnosis,
          issuedDate,
          expiryDate: new Date(issuedDate.getTime() + 90 * 86400000),
          isRecurring: f.datatype.boolean(0.2),
          isDigitallySigned: true,
          digitalSignatureUrl: `https://files.example.org/signatures/${number}.sig`,
          pdfUrl: `https://files.example.org/prescriptions/${number}.pdf`,
          pharmacyNotified: f.datatype.boolean(0.5) ? ['Main Street Pharmacy'] : [],
          createdAt: issuedDate,
          updatedAt: issuedDate,
        });
      }
      if (f.datatype.boolean(0.5)) {
        const panel = f.helpers.arrayElement(LAB_PANELS);
        const orderedDate = new Date(visitDate.getTime() + 7200000);
        const status = f.helpers.weightedArrayElement([
          { value: 'completed', weight: 70 },
          { value: 'in_progress', weight: 10 },
          { value: 'collected', weight: 8 },
          { value: 'ordered', weight: 8 },
          { value: 'cancelled', weight: 4 },
        ]);
        const collected =
          status !== 'ordered' && status !== 'cancelled' ? new Date(orderedDate.getTime() + 86400000) : null;
        const done = status === 'completed' ? new Date(orderedDate.getTime() + 3 * 86400000) : null;
        const results = done ? labResults(f, panel, collected!) : null;
        rows.lab_tests.push({
          id: randomUUID(),
          patientId,
          testName: panel.name,
          testCode: panel.code,
          status,
          description: panel.description,
          orderedBy: doctor.name.slice(0, 100),
          orderedDate,
          sampleCollectionDate: collected,
          completionDate: done,
          testResults: results,
          interpretation: results
            ? results.some((r) => r.flag === 'H' || r.flag === 'L')
              ? 'Some results outside the reference range; clinical correlation advised.'
              : 'All results within reference ranges.'
            : null,
          reportedBy: done ? `${f.person.fullName()}, MLS` : null,
          reportPdfUrl: done ? `https://files.example.org/lab/${randomUUID()}.pdf` : null,
          notes: f.datatype.boolean(0.2) ? 'Fasting sample.' : null,
          createdAt: orderedDate,
          updatedAt: done ?? orderedDate,
        });
      }
      if (f.datatype.boolean(0.7))
        rows.invoices.push(invoice(ctx, patientId, new Date(visitDate.getTime() + 86400000), mine, ctx.next.invoice++));
    }
    const actions = f.number.int({ min: 1, max: 4 });
    for (let k = 0; k < actions; k++) {
      const login = k === 0;
      const success = f.datatype.boolean(0.95);
      const at = f.date.recent({ days: 90, refDate: now });
      const action = login ? 'LOGIN' : f.helpers.arrayElement(['READ', 'UPDATE']);
      rows.audit_logs.push({
        id: randomUUID(),
        userId: user.id,
        userEmail: user.email,
        action,
        entityType: login ? 'users' : 'patients',
        entityId: login ? user.id : patientId,
        changes:
          action === 'UPDATE' && success
            ? { old: { phoneNumber: null }, new: { phoneNumber: user.phoneNumber } }
            : null,
        ipAddress: f.internet.ipv4(),
        userAgent: f.internet.userAgent(),
        description: login ? 'User signed in' : 'Patient profile accessed',
        success,
        errorMessage: success ? null : login ? 'Invalid password' : 'Access denied',
        createdAt: at,
      });
    }
  }
  return rows;
}
