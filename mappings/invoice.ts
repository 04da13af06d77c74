// Invoice ⇄ invoices (http://hl7.org/fhir/R4/invoice.html): the bill of a patient, its lines
// (lineItems) and payments, money exact to the cent. Writes must add up: subtotal = Σ line base
// amounts, total = subtotal − discount + tax, due = total − paid (422 otherwise).
import type { Extension, Invoice, InvoiceLineItem as FhirLine, InvoiceLineItemPriceComponent } from 'fhir/r4.js';
import type { InvoiceLineItem, InvoicePayment } from '../src/db/jsonb/shapes.js';
import {
  dateTimeParam,
  decimalParam,
  referenceParam,
  utcTimestamp,
  lastUpdatedParam,
} from './datatypes/clinical-search.js';
import { fits, str } from './datatypes/columns.js';
import { fhirToTimestamp, timestampToFhir } from './datatypes/hospital-time.js';
import { CURRENCY, centsText, money, shiftDecimal, timesQuantity, toCents } from './datatypes/money.js';
import { EXTENSION_BASE, statusTable } from './datatypes/status-maps.js';
import { tokenParam } from './params.js';
import { defineMapping, READ_WRITE_INTERACTIONS, type JsonRow, type MapContext, type WriteProblem } from './types.js';

export const INVOICE_PROFILE = 'https://fhir-interop-server.dev/fhir/StructureDefinition/invoice';
export const AMOUNT_PAID = `${EXTENSION_BASE}/amount-paid`;
export const AMOUNT_DUE = `${EXTENSION_BASE}/amount-due`;
export const DUE_DATE = `${EXTENSION_BASE}/due-date`;
export const PAYMENT = `${EXTENSION_BASE}/payment`;
export const INSURANCE_CLAIM = `${EXTENSION_BASE}/insurance-claim`;
export const DOCUMENT_URL = `${EXTENSION_BASE}/document-url`;
export const SERVICE_DATE = `${EXTENSION_BASE}/service-date`;
export const CHARGE_SOURCE = `${EXTENSION_BASE}/charge-source`;
const OWN_EXTENSIONS = [AMOUNT_PAID, AMOUNT_DUE, DUE_DATE, PAYMENT, INSURANCE_CLAIM, DOCUMENT_URL];
const LINE_TOTAL = 'line-total';

/** invoices.status ⇄ InvoiceStatus; profiles/ConceptMap-invoice-status.json. */
export const INVOICE_STATUS = statusTable<Invoice['status']>({
  toFhir: {
    draft: 'draft',
    issued: 'issued',
    partially_paid: 'issued',
    overdue: 'issued',
    paid: 'balanced',
    cancelled: 'cancelled',
    'entered-in-error': 'entered-in-error',
  },
  fallback: 'issued',
  nullValue: 'draft',
});

const numberSystem = (ctx: MapContext) => ctx.identifierSystem('invoice-number');
const claimSystem = (ctx: MapContext) => ctx.identifierSystem('insurance-claim');
const sub = (extension: Extension | undefined, url: string) => extension?.extension?.find((e) => e.url === url);

function component(type: InvoiceLineItemPriceComponent['type'], amount: unknown, extra = {}) {
  const value = money(amount);
  return value ? [{ type, ...extra, amount: value }] : [];
}

function renderLine(item: InvoiceLineItem, index: number): FhirLine {
  const extension: Extension[] = [];
  if (item.serviceDate) extension.push({ url: SERVICE_DATE, valueDate: item.serviceDate });
  if (item.source)
    extension.push({
      url: CHARGE_SOURCE,
      extension: [
        { url: 'type', valueCode: item.source.type },
        { url: 'id', valueString: item.source.id },
      ],
    });
  const factor = item.taxPercentage !== undefined ? shiftDecimal(item.taxPercentage, -2) : undefined;
  return {
    id: item.id,
    ...(extension.length ? { extension } : {}),
    sequence: index + 1,
    chargeItemCodeableConcept: {
      ...(item.code ? { coding: [{ ...(item.codeSystem ? { system: item.codeSystem } : {}), code: item.code }] } : {}),
      text: item.description,
    },
    priceComponent: [
      ...component('base', item.unitPrice, { factor: item.quantity }),
      ...component('discount', item.discount),
      ...component(
        'tax',
        item.taxAmount ?? (factor !== undefined ? '0' : undefined),
        factor !== undefined ? { factor: Number(factor) } : {},
      ),
      ...component('informational', item.total, { code: { text: LINE_TOTAL } }),
    ],
  };
}

function renderPayment(payment: InvoicePayment, ctx: MapContext): Extension {
  return {
    url: PAYMENT,
    id: payment.id,
    extension: [
      { url: 'date', valueDateTime: payment.date },
      { url: 'amount', valueMoney: money(payment.amount)! },
      { url: 'method', valueCode: payment.method },
      ...(payment.reference
        ? [
            {
              url: 'reference',
              valueIdentifier: { system: ctx.identifierSystem('payment-reference'), value: payment.reference },
            },
          ]
        : []),
      ...(payment.note ? [{ url: 'note', valueString: payment.note }] : []),
    ],
  };
}

/** The stored text when it says the same amount (so "125.5" stays "125.5"); the canonical text otherwise. */
const sameOr = (previous: unknown, cents: bigint) =>
  typeof previous === 'string' && toCents(previous) === cents ? previous : centsText(cents);

export const invoiceMapping = defineMapping<Invoice>({
  resourceType: 'Invoice',
  profile: INVOICE_PROFILE,
  interactions: READ_WRITE_INTERACTIONS,
  source: {
    table: 'invoices',
    from: 'invoices i',
    id: 'i.id',
    numbering: {
      table: 'invoices',
      column: 'invoiceNumber',
      prefix: 'INV-',
      width: 7,
      sequence: 'fhir_invoice_number_seq',
    },
  },
  compartment: { Patient: 'i."patientId"' },
  summary: ['identifier', 'status', 'type', 'subject', 'recipient', 'date', 'totalNet', 'totalGross'],
  slots: [
    { path: 'identifier', key: (item) => (typeof item.system === 'string' ? item.system : undefined) },
    {
      path: 'extension',
      key: (item) =>
        item.url === PAYMENT
          ? `${PAYMENT}/${String(item.id)}`
          : OWN_EXTENSIONS.includes(String(item.url))
            ? String(item.url)
            : undefined,
    },
    { path: 'note', key: () => 'notes' },
  ],
  search: {
    _lastUpdated: lastUpdatedParam,
    patient: referenceParam('http://hl7.org/fhir/SearchParameter/Invoice-patient', { Patient: 'i."patientId"' }),
    subject: referenceParam('http://hl7.org/fhir/SearchParameter/Invoice-subject', { Patient: 'i."patientId"' }),
    status: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/Invoice-status',
      where: ({ code }) => {
        const values = Object.entries(INVOICE_STATUS.toFhir)
          .filter(([, c]) => c === code)
          .map(([v]) => v);
        const orNull = code === INVOICE_STATUS.render(null).code ? 'i.status is null or ' : '';
        return values.length
          ? { sql: `(${orNull}i.status in (${values.map(() => '?').join(', ')}))`, params: values }
          : { sql: 'false', params: [] };
      },
    }),
    date: dateTimeParam('http://hl7.org/fhir/SearchParameter/Invoice-date', utcTimestamp('i."issueDate"')),
    identifier: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/Invoice-identifier',
      where: ({ system, code }, ctx) =>
        system === undefined || system === numberSystem(ctx)
          ? { sql: 'i."invoiceNumber" = ?', params: [code] }
          : { sql: 'false', params: [] },
    }),
    totalgross: decimalParam(
      'quantity',
      'http://hl7.org/fhir/SearchParameter/Invoice-totalgross',
      'i."totalAmount"',
      CURRENCY,
    ),
    totalnet: decimalParam(
      'quantity',
      'http://hl7.org/fhir/SearchParameter/Invoice-totalnet',
      '(i."totalAmount" - coalesce(i."taxAmount", 0))',
      CURRENCY,
    ),
  },

  read({ invoices: row }, ctx) {
    const i = (row ?? {}) as JsonRow;
    const status = INVOICE_STATUS.render(i.status);
    const lines = Array.isArray(i.lineItems) ? (i.lineItems as InvoiceLineItem[]) : [];
    const payments = Array.isArray(i.payments) ? (i.payments as InvoicePayment[]) : [];
    const total = toCents(i.totalAmount);
    const tax = toCents(i.taxAmount);
    const extension: Extension[] = [
      ...(money(i.paidAmount) ? [{ url: AMOUNT_PAID, valueMoney: money(i.paidAmount) }] : []),
      ...(money(i.dueAmount) ? [{ url: AMOUNT_DUE, valueMoney: money(i.dueAmount) }] : []),
      ...(str(i.dueDate) ? [{ url: DUE_DATE, valueDateTime: timestampToFhir(i.dueDate) }] : []),
      ...(str(i.insuranceClaimId)
        ? [{ url: INSURANCE_CLAIM, valueIdentifier: { system: claimSystem(ctx), value: String(i.insuranceClaimId) } }]
        : []),
      ...(str(i.pdfUrl) ? [{ url: DOCUMENT_URL, valueUrl: String(i.pdfUrl) }] : []),
      ...payments.map((p) => renderPayment(p, ctx)),
    ];
    const factor = str(i.taxPercentage) ? shiftDecimal(String(i.taxPercentage), -2) : undefined;
    return {
      resourceType: 'Invoice',
      ...(extension.length ? { extension } : {}),
      identifier: [{ system: numberSystem(ctx), value: String(i.invoiceNumber) }],
      status: status.code,
      ...(status.extension.length ? { _status: { extension: status.extension } } : {}),
      subject: ctx.ref('Patient', String(i.patientId)),
      ...(str(i.issueDate) ? { date: timestampToFhir(i.issueDate) } : {}),
      ...(lines.length ? { lineItem: lines.map(renderLine) } : {}),
      totalPriceComponent: [
        ...component('base', i.subtotal),
        ...component('discount', i.discount),
        ...component('tax', i.taxAmount, factor !== undefined ? { factor: Number(factor) } : {}),
      ],
      ...(total !== undefined ? { totalNet: money(centsText(total - (tax ?? 0n))) } : {}),
      ...(total !== undefined ? { totalGross: money(i.totalAmount) } : {}),
      ...(str(i.notes) ? { note: [{ text: String(i.notes) }] } : {}),
    } as Omit<Invoice, 'id' | 'meta'>;
  },

  write(resource, ctx, existing) {
    const problems: WriteProblem[] = [];
    const previous = (existing?.invoices ?? {}) as JsonRow;
    const previousLines = Array.isArray(previous.lineItems) ? (previous.lineItems as InvoiceLineItem[]) : [];
    const previousPayments = Array.isArray(previous.payments) ? (previous.payments as InvoicePayment[]) : [];
    const ext = (url: string) => resource.extension?.find((e) => e.url === url);
    const amount = (expression: string, m: { value?: number; currency?: string } | undefined) => {
      if (m === undefined) return undefined;
      if (m.currency !== undefined && m.currency !== CURRENCY)
        problems.push({ expression, diagnostics: `${expression}: amounts are in ${CURRENCY}, not ${m.currency}` });
      const cents = toCents(m.value);
      if (cents === undefined || cents >= 10n ** 10n || cents <= -(10n ** 10n))
        problems.push({
          expression,
          diagnostics: `${expression}: an amount has at most 8 digits and 2 decimal places`,
        });
      return cents;
    };
    const priceOf = (list: readonly InvoiceLineItemPriceComponent[] | undefined, type: string, base: string) => {
      const index = list?.findIndex((c) => c.type === type && c.code?.text !== LINE_TOTAL) ?? -1;
      return index < 0
        ? undefined
        : { component: list![index]!, cents: amount(`${base}[${index}].amount`, list![index]!.amount) };
    };

    const subject = resource.subject?.reference?.match(/(?:^|\/)Patient\/([^/]+)$/)?.[1];
    if (!subject)
      problems.push({
        expression: 'Invoice.subject',
        diagnostics: 'an Invoice needs a subject that is a Patient (invoices.patientId)',
      });
    const status = INVOICE_STATUS.column(resource.status, resource._status?.extension);
    if (status === undefined)
      problems.push({
        expression: 'Invoice.status',
        diagnostics: `the status ${resource.status} has no invoices.status value`,
      });
    const number = resource.identifier?.find((i) => i.system === numberSystem(ctx))?.value;

    // the lines, each adding up: total = unitPrice × quantity − discount + tax
    let sumBase = 0n;
    const lineItems: InvoiceLineItem[] = [];
    (resource.lineItem ?? []).forEach((line, n) => {
      const at = `Invoice.lineItem[${n}]`;
      const before = previousLines.find((l) => l.id === line.id);
      const components = line.priceComponent;
      const base = priceOf(components, 'base', `${at}.priceComponent`);
      const discount = priceOf(components, 'discount', `${at}.priceComponent`);
      const tax = priceOf(components, 'tax', `${at}.priceComponent`);
      const totalIndex = components?.findIndex((c) => c.type === 'informational' && c.code?.text === LINE_TOTAL) ?? -1;
      const stated =
        totalIndex < 0
          ? undefined
          : amount(`${at}.priceComponent[${totalIndex}].amount`, components![totalIndex]!.amount);
      const quantity = base?.component.factor ?? 1;
      const description = line.chargeItemCodeableConcept?.text;
      if (!base || base.cents === undefined || !description) {
        problems.push({
          expression: at,
          diagnostics: `${at} needs chargeItemCodeableConcept.text and a base priceComponent (the unit price, factor = quantity)`,
        });
        return;
      }
      if (!(quantity > 0))
        problems.push({
          expression: `${at}.priceComponent`,
          diagnostics: `${at}: the quantity (base factor) must be > 0`,
        });
      const gross = timesQuantity(base.cents, quantity) ?? 0n;
      sumBase += gross;
      const computed = gross - (discount?.cents ?? 0n) + (tax?.cents ?? 0n);
      if (stated !== undefined && stated !== computed)
        problems.push({
          expression: `${at}.priceComponent[${totalIndex}]`,
          diagnostics: `${at}: the line total ${centsText(stated)} is not unit price × quantity − discount + tax = ${centsText(computed)}`,
        });
      const coding = line.chargeItemCodeableConcept?.coding?.[0];
      const percentage =
        tax?.component.factor !== undefined ? shiftDecimal(String(tax.component.factor), 2) : undefined;
      const serviceDate = line.extension?.find((e) => e.url === SERVICE_DATE)?.valueDate;
      const source = line.extension?.find((e) => e.url === CHARGE_SOURCE);
      const item: InvoiceLineItem = {
        id: line.id ?? `li${n + 1}`,
        ...(coding?.code ? { code: coding.code } : {}),
        ...(coding?.system ? { codeSystem: coding.system } : {}),
        description,
        quantity,
        unitPrice: sameOr(before?.unitPrice, base.cents),
        ...(discount?.cents !== undefined ? { discount: sameOr(before?.discount, discount.cents) } : {}),
        ...(percentage !== undefined
          ? {
              taxPercentage:
                before?.taxPercentage && toCents(before.taxPercentage) === toCents(percentage)
                  ? before.taxPercentage
                  : centsText(toCents(percentage) ?? 0n),
            }
          : {}),
        ...(tax?.cents !== undefined &&
        (tax.cents !== 0n || before?.taxAmount !== undefined || percentage === undefined)
          ? { taxAmount: sameOr(before?.taxAmount, tax.cents) }
          : {}),
        total: sameOr(before?.total, stated ?? computed),
        ...(serviceDate ? { serviceDate } : {}),
        ...(source
          ? { source: { type: sub(source, 'type')?.valueCode as never, id: String(sub(source, 'id')?.valueString) } }
          : {}),
      };
      lineItems.push(item);
    });
    if (lineItems.length === 0 && problems.length === 0)
      problems.push({
        expression: 'Invoice.lineItem',
        diagnostics: 'an Invoice needs at least one lineItem (lineItems NOT NULL, one entry or more)',
      });

    // the totals: subtotal = Σ lines, total = subtotal − discount + tax, due = total − paid
    const totals = resource.totalPriceComponent;
    const subtotal = priceOf(totals, 'base', 'Invoice.totalPriceComponent')?.cents ?? sumBase;
    const discount = priceOf(totals, 'discount', 'Invoice.totalPriceComponent');
    const tax = priceOf(totals, 'tax', 'Invoice.totalPriceComponent');
    const total =
      amount('Invoice.totalGross', resource.totalGross) ?? subtotal - (discount?.cents ?? 0n) + (tax?.cents ?? 0n);
    const paid = amount('Invoice.extension', ext(AMOUNT_PAID)?.valueMoney) ?? 0n;
    const due = amount('Invoice.extension', ext(AMOUNT_DUE)?.valueMoney) ?? total - paid;
    const check = (ok: boolean, expression: string, diagnostics: string) =>
      ok || problems.push({ expression, diagnostics });
    if (lineItems.length > 0) {
      check(
        subtotal === sumBase,
        'Invoice.totalPriceComponent',
        `the subtotal ${centsText(subtotal)} is not the sum of the lines' base amounts ${centsText(sumBase)}`,
      );
      check(
        total === subtotal - (discount?.cents ?? 0n) + (tax?.cents ?? 0n),
        'Invoice.totalGross',
        `totalGross ${centsText(total)} is not subtotal − discount + tax = ${centsText(subtotal - (discount?.cents ?? 0n) + (tax?.cents ?? 0n))}`,
      );
      const net = amount('Invoice.totalNet', resource.totalNet);
      if (net !== undefined)
        check(
          net === total - (tax?.cents ?? 0n),
          'Invoice.totalNet',
          `totalNet ${centsText(net)} is not totalGross − tax = ${centsText(total - (tax?.cents ?? 0n))}`,
        );
      check(
        due === total - paid,
        'Invoice.extension',
        `the amount due ${centsText(due)} is not total − paid = ${centsText(total - paid)}`,
      );
    }

    const payments: InvoicePayment[] = (resource.extension ?? [])
      .filter((e) => e.url === PAYMENT)
      .map((e, n) => {
        const before = previousPayments.find((p) => p.id === e.id);
        const cents = amount(`Invoice.extension`, sub(e, 'amount')?.valueMoney) ?? 0n;
        const reference = sub(e, 'reference')?.valueIdentifier?.value;
        const note = sub(e, 'note')?.valueString;
        return {
          id: e.id ?? `p${n + 1}`,
          date: String(sub(e, 'date')?.valueDateTime),
          amount: sameOr(before?.amount, cents),
          method: sub(e, 'method')?.valueCode as InvoicePayment['method'],
          ...(reference ? { reference } : {}),
          ...(note ? { note } : {}),
        };
      });
    const issueDate = fhirToTimestamp(resource.date);
    if (!resource.date || !issueDate)
      problems.push({
        expression: 'Invoice.date',
        diagnostics: 'an Invoice needs a date with a time zone (invoices.issueDate NOT NULL)',
      });
    const dueDate = fhirToTimestamp(ext(DUE_DATE)?.valueDateTime);
    if (!dueDate)
      problems.push({
        expression: 'Invoice.extension',
        diagnostics: 'an Invoice needs the due-date extension with a time zone (invoices.dueDate NOT NULL)',
      });
    const percentage = tax?.component.factor !== undefined ? shiftDecimal(String(tax.component.factor), 2) : undefined;

    const root: Record<string, unknown> = {
      patientId: subject,
      ...(number !== undefined ? { invoiceNumber: fits(problems, 'Invoice.identifier', number, 50) } : {}),
      lineItems,
      subtotal: centsText(subtotal),
      discount: discount?.cents !== undefined ? centsText(discount.cents) : existing ? null : '0.00',
      taxAmount: tax?.cents !== undefined ? centsText(tax.cents) : existing ? null : '0.00',
      taxPercentage: percentage !== undefined ? centsText(toCents(percentage) ?? 0n) : existing ? null : '0.00',
      totalAmount: centsText(total),
      paidAmount: ext(AMOUNT_PAID) ? centsText(paid) : existing ? null : '0.00',
      dueAmount: centsText(due),
      status,
      issueDate,
      dueDate,
      // no payments: the column's empty form as it was ([] or NULL)
      payments: payments.length ? payments : Array.isArray(previous.payments) ? [] : null,
      notes: resource.note?.[0]?.text ?? null,
      insuranceClaimId: fits(problems, 'Invoice.extension', ext(INSURANCE_CLAIM)?.valueIdentifier?.value, 100),
      pdfUrl: fits(problems, 'Invoice.extension', ext(DOCUMENT_URL)?.valueUrl, 500),
    };
    return {
      root,
      problems,
      references: subject ? [{ expression: 'Invoice.subject', type: 'Patient' as const, id: subject }] : [],
    };
  },

  softDelete: { root: { deletedAt: 'now' } },
});
