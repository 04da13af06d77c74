// invoices: what a patient is billed and has paid (database-schema.md, Invoices Table).
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { JsonbShapeType } from '../jsonb/jsonb-shape-type.js';
import type { InvoiceLineItem, InvoicePayment } from '../jsonb/shapes.js';
import { Patient } from './patient.js';

const money = () => p.decimal().precision(10).scale(2);

export const Invoice = defineEntity({
  name: 'Invoice',
  tableName: 'invoices',
  indexes: [
    { name: 'idx_invoices_patientId', properties: ['patientId'] },
    { name: 'idx_invoices_invoiceNumber', properties: ['invoiceNumber'] },
    { name: 'idx_invoices_status', properties: ['status'] },
    { name: 'idx_invoices_dueDate', properties: ['dueDate'] },
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
        .foreignKeyName('invoices_patientId_fkey'),
    invoiceNumber: p.string().length(50).unique('invoices_invoiceNumber_key'),
    lineItems: p.type(new JsonbShapeType<InvoiceLineItem[]>('lineItems')).columnType('jsonb'),
    subtotal: money(),
    discount: money().nullable().defaultRaw('0'),
    taxAmount: money().nullable().defaultRaw('0'),
    taxPercentage: p.decimal().precision(5).scale(2).nullable().defaultRaw('0'),
    totalAmount: money(),
    paidAmount: money().nullable().defaultRaw('0'),
    dueAmount: money(),
    status: p.string().length(50).nullable().defaultRaw(`'draft'`),
    issueDate: p.datetime().columnType('timestamp'),
    dueDate: p.datetime().columnType('timestamp'),
    payments: p
      .type(new JsonbShapeType<InvoicePayment[] | null>('payments'))
      .columnType('jsonb')
      .nullable()
      .defaultRaw(`'null'::JSONB`),
    notes: p.text().nullable(),
    insuranceClaimId: p.string().length(100).nullable(),
    pdfUrl: p.string().length(500).nullable(),
    createdAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    updatedAt: p.datetime().columnType('timestamp').nullable().defaultRaw('CURRENT_TIMESTAMP'),
    deletedAt: p.datetime().columnType('timestamp').nullable(),
  },
});

export type Invoice = InferEntity<typeof Invoice>;
