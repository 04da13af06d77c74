// The JSON Schemas of the JSONB columns the schema document leaves open (docs/jsonb-shapes.md).
// Money is a decimal string (never a JSON number) so it never passes through binary floating point.

const money = {
  type: 'string',
  pattern: '^-?[0-9]{1,8}(\\.[0-9]{1,2})?$',
  description: 'DECIMAL(10,2) as text, e.g. "125.50"',
} as const;
const stableId = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9\\-.]+$' } as const;
const hhmm = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' } as const;
const isoDate = { type: 'string', format: 'date' } as const;
const isoDateTime = { type: 'string', format: 'date-time' } as const;
const text = (maxLength = 1000) => ({ type: 'string', minLength: 1, maxLength }) as const;
const quantity = {
  type: 'object',
  additionalProperties: false,
  required: ['value'],
  properties: { value: { type: 'number', minimum: 0 }, unit: text(50) },
} as const;

/** doctors.availableSlots: the practitioner's availability, weekly or on given dates. */
export const availableSlotsSchema = {
  $id: 'urn:fhir-server:jsonb:availableSlots',
  type: 'object',
  additionalProperties: false,
  properties: {
    timeZone: text(64),
    slotMinutes: { type: 'integer', minimum: 5, maximum: 480 },
    slots: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'start', 'end', 'status'],
        oneOf: [{ required: ['day'] }, { required: ['date'] }],
        properties: {
          id: stableId,
          day: { enum: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
          date: isoDate,
          start: hhmm,
          end: hhmm,
          status: { enum: ['available', 'unavailable'] },
          comment: text(500),
        },
      },
    },
  },
} as const;

/** prescriptions.medicines: the medicines of one prescription. */
export const prescriptionMedicinesSchema = {
  $id: 'urn:fhir-server:jsonb:medicines',
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'medicineCode', 'name', 'dose', 'frequency'],
    properties: {
      id: stableId,
      medicineId: { type: 'string', format: 'uuid' },
      medicineCode: text(50),
      name: text(200),
      genericName: text(200),
      strength: text(50),
      form: text(50),
      dose: quantity,
      route: text(50),
      frequency: {
        type: 'object',
        additionalProperties: false,
        required: ['count', 'period', 'periodUnit'],
        properties: {
          text: text(200),
          count: { type: 'integer', minimum: 1 },
          period: { type: 'number', exclusiveMinimum: 0 },
          periodUnit: { enum: ['h', 'd', 'wk', 'mo'] },
          asNeeded: { type: 'boolean' },
        },
      },
      duration: {
        type: 'object',
        additionalProperties: false,
        required: ['value', 'unit'],
        properties: { value: { type: 'number', exclusiveMinimum: 0 }, unit: { enum: ['d', 'wk', 'mo'] } },
      },
      quantity,
      refills: { type: 'integer', minimum: 0 },
      instructions: text(2000),
      substitutionAllowed: { type: 'boolean' },
    },
  },
} as const;

/** invoices.lineItems: what the invoice charges. */
export const invoiceLineItemsSchema = {
  $id: 'urn:fhir-server:jsonb:lineItems',
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'description', 'quantity', 'unitPrice', 'total'],
    properties: {
      id: stableId,
      code: text(50),
      codeSystem: text(255),
      description: text(500),
      quantity: { type: 'number', exclusiveMinimum: 0 },
      unitPrice: money,
      discount: money,
      taxPercentage: { type: 'string', pattern: '^[0-9]{1,3}(\\.[0-9]{1,2})?$' },
      taxAmount: money,
      total: money,
      serviceDate: isoDate,
      source: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'id'],
        properties: {
          type: { enum: ['appointment', 'lab_test', 'prescription', 'medicine'] },
          id: { type: 'string', format: 'uuid' },
        },
      },
    },
  },
} as const;

/** invoices.payments: null or the payments received. */
export const invoicePaymentsSchema = {
  $id: 'urn:fhir-server:jsonb:payments',
  type: ['array', 'null'],
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'date', 'amount', 'method'],
    properties: {
      id: stableId,
      date: isoDateTime,
      amount: money,
      method: { enum: ['cash', 'card', 'bank_transfer', 'insurance', 'cheque', 'online', 'other'] },
      reference: text(100),
      note: text(500),
    },
  },
} as const;

/** lab_tests.testResults: null or one entry per measured analyte. */
export const labTestResultsSchema = {
  $id: 'urn:fhir-server:jsonb:testResults',
  type: ['array', 'null'],
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'name', 'value'],
    properties: {
      id: stableId,
      code: text(50),
      codeSystem: text(255),
      name: text(200),
      value: { anyOf: [{ type: 'number' }, { type: 'string', minLength: 1, maxLength: 2000 }] },
      unit: text(50),
      referenceRange: {
        type: 'object',
        additionalProperties: false,
        properties: { low: { type: 'number' }, high: { type: 'number' }, text: text(200) },
      },
      flag: { enum: ['N', 'L', 'H', 'LL', 'HH', 'A', 'AA', 'POS', 'NEG'] },
      status: { enum: ['preliminary', 'final', 'amended', 'corrected', 'cancelled'] },
      observedAt: isoDateTime,
      note: text(2000),
    },
  },
} as const;

/** audit_logs.changes: what an audited action changed or read. */
export const auditChangesSchema = {
  $id: 'urn:fhir-server:jsonb:changes',
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    old: { type: ['object', 'null'] },
    new: { type: ['object', 'null'] },
    query: { type: 'string', maxLength: 8000 },
    patients: { type: 'array', items: { type: 'string' }, maxItems: 10000 },
  },
} as const;

export const jsonbShapes = {
  availableSlots: availableSlotsSchema,
  medicines: prescriptionMedicinesSchema,
  lineItems: invoiceLineItemsSchema,
  payments: invoicePaymentsSchema,
  testResults: labTestResultsSchema,
  changes: auditChangesSchema,
} as const;

export type JsonbShapeName = keyof typeof jsonbShapes;

export type Money = string;
export interface AvailableSlots {
  timeZone?: string;
  slotMinutes?: number;
  slots?: {
    id: string;
    day?: 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
    date?: string;
    start: string;
    end: string;
    status: 'available' | 'unavailable';
    comment?: string;
  }[];
}
export interface PrescribedMedicine {
  id: string;
  medicineId?: string;
  medicineCode: string;
  name: string;
  genericName?: string;
  strength?: string;
  form?: string;
  dose: { value: number; unit?: string };
  route?: string;
  frequency: { text?: string; count: number; period: number; periodUnit: 'h' | 'd' | 'wk' | 'mo'; asNeeded?: boolean };
  duration?: { value: number; unit: 'd' | 'wk' | 'mo' };
  quantity?: { value: number; unit?: string };
  refills?: number;
  instructions?: string;
  substitutionAllowed?: boolean;
}
export interface InvoiceLineItem {
  id: string;
  code?: string;
  codeSystem?: string;
  description: string;
  quantity: number;
  unitPrice: Money;
  discount?: Money;
  taxPercentage?: string;
  taxAmount?: Money;
  total: Money;
  serviceDate?: string;
  source?: { type: 'appointment' | 'lab_test' | 'prescription' | 'medicine'; id: string };
}
export interface InvoicePayment {
  id: string;
  date: string;
  amount: Money;
  method: 'cash' | 'card' | 'bank_transfer' | 'insurance' | 'cheque' | 'online' | 'other';
  reference?: string;
  note?: string;
}
export interface LabTestResult {
  id: string;
  code?: string;
  codeSystem?: string;
  name: string;
  value: number | string;
  unit?: string;
  referenceRange?: { low?: number; high?: number; text?: string };
  flag?: 'N' | 'L' | 'H' | 'LL' | 'HH' | 'A' | 'AA' | 'POS' | 'NEG';
  status?: 'preliminary' | 'final' | 'amended' | 'corrected' | 'cancelled';
  observedAt?: string;
  note?: string;
}
export interface AuditChanges {
  old?: Record<string, unknown> | null;
  new?: Record<string, unknown> | null;
  query?: string;
  patients?: string[];
}
