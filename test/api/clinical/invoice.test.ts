// Invoice ⇄ invoices (http://hl7.org/fhir/R4/invoice.html): money exact to the cent, lines and
// payments both ways, the totals enforced on write (422), status table, search and versions.
import { expect } from 'chai';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../../support/server.js';
import { insertRow, people, putBack, rowOf, type People } from './clinical-fixtures.js';

const EXT = 'https://fhir-interop-server.dev/fhir/StructureDefinition';
const usd = (value: number) => ({ value, currency: 'USD' });

function line(
  id: string,
  unit: number,
  quantity: number,
  extra: { discount?: number; tax?: number; factor?: number } = {},
) {
  const unitCents = Math.round(unit * 100);
  const total =
    (unitCents * quantity - Math.round((extra.discount ?? 0) * 100) + Math.round((extra.tax ?? 0) * 100)) / 100;
  return {
    id,
    sequence: 1,
    chargeItemCodeableConcept: {
      coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '99213' }],
      text: `Visit ${id}`,
    },
    priceComponent: [
      { type: 'base', factor: quantity, amount: usd(unit) },
      ...(extra.discount !== undefined ? [{ type: 'discount', amount: usd(extra.discount) }] : []),
      ...(extra.tax !== undefined ? [{ type: 'tax', factor: extra.factor ?? 0, amount: usd(extra.tax) }] : []),
      { type: 'informational', code: { text: 'line-total' }, amount: usd(total) },
    ],
  };
}

function invoice(who: People, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Invoice',
    extension: [
      { url: `${EXT}/due-date`, valueDateTime: '2026-02-01T00:00:00Z' },
      { url: `${EXT}/amount-paid`, valueMoney: usd(50) },
      { url: `${EXT}/amount-due`, valueMoney: usd(115.2) },
      {
        url: `${EXT}/payment`,
        id: 'p1',
        extension: [
          { url: 'date', valueDateTime: '2026-01-05T10:00:00.000Z' },
          { url: 'amount', valueMoney: usd(50) },
          { url: 'method', valueCode: 'card' },
        ],
      },
    ],
    status: 'issued',
    subject: { reference: `Patient/${who.patient}` },
    date: '2026-01-02T09:00:00Z',
    lineItem: [line('li1', 125.5, 1, { discount: 12.55, tax: 2.25, factor: 0.02 }), line('li2', 0.1, 500)],
    totalPriceComponent: [
      { type: 'base', amount: usd(175.5) },
      { type: 'discount', amount: usd(12.55) },
      { type: 'tax', factor: 0.02, amount: usd(2.25) },
    ],
    totalNet: usd(162.95),
    totalGross: usd(165.2),
    ...extra,
  };
}

describe('Invoice ⇄ invoices', function () {
  let server: TestServer;
  let who: People;
  before(async () => {
    server = await startTestServer();
    who = await people(server);
  });
  after(() => server?.stop());

  describe('write and read, money exact', () => {
    it('an invoice that adds up is stored with exact decimal columns and read back as sent', async () => {
      const sent = invoice(who);
      const created = await server.call('POST', '/Invoice', { body: sent });
      expect(created.status, created.text).to.equal(201);
      const row = await rowOf(server, 'invoices', created.body.id);
      expect(row).to.include({
        subtotal: 175.5,
        discount: 12.55,
        taxAmount: 2.25,
        taxPercentage: 2,
        totalAmount: 165.2,
        paidAmount: 50,
        dueAmount: 115.2,
        status: 'issued',
        issueDate: '2026-01-02T09:00:00',
        dueDate: '2026-02-01T00:00:00',
      });
      const { rows } = await server.sql.query(
        'select subtotal::text, "totalAmount"::text, "dueAmount"::text, "invoiceNumber" from invoices where id = $1',
        [created.body.id],
      );
      expect(rows[0]).to.deep.include({ subtotal: '175.50', totalAmount: '165.20', dueAmount: '115.20' });
      expect(rows[0].invoiceNumber).to.match(/^INV-\d{7}$/);
      expect(row.lineItems).to.deep.equal([
        {
          id: 'li1',
          code: '99213',
          codeSystem: 'http://www.ama-assn.org/go/cpt',
          description: 'Visit li1',
          quantity: 1,
          unitPrice: '125.50',
          discount: '12.55',
          taxPercentage: '2.00',
          taxAmount: '2.25',
          total: '115.20',
        },
        {
          id: 'li2',
          code: '99213',
          codeSystem: 'http://www.ama-assn.org/go/cpt',
          description: 'Visit li2',
          quantity: 500,
          unitPrice: '0.10',
          total: '50.00',
        },
      ]);
      expect(row.payments).to.deep.equal([
        { id: 'p1', date: '2026-01-05T10:00:00.000Z', amount: '50.00', method: 'card' },
      ]);
      const read = await server.call('GET', `/Invoice/${created.body.id}`);
      const { id: _id, meta: _meta, identifier, lineItem, ...body } = read.body;
      const { lineItem: sentLines, ...sentBody } = sent;
      expect(identifier[0].value).to.equal(rows[0].invoiceNumber);
      expect(body).to.deep.equal(sentBody);
      expect(lineItem.map((l: any) => l.priceComponent)).to.deep.equal(sentLines.map((l) => l.priceComponent));
    });

    it('the largest amount a DECIMAL(10,2) holds survives exactly; one more digit is refused', async () => {
      const big = 99999999.99;
      const body = {
        ...invoice(who),
        extension: [{ url: `${EXT}/due-date`, valueDateTime: '2026-02-01T00:00:00Z' }],
        lineItem: [line('li1', big, 1)],
        totalPriceComponent: [{ type: 'base', amount: usd(big) }],
        totalNet: usd(big),
        totalGross: usd(big),
      };
      const created = await server.call('POST', '/Invoice', { body });
      expect(created.status, created.text).to.equal(201);
      const { rows } = await server.sql.query(
        'select "totalAmount"::text as t, "dueAmount"::text as d from invoices where id = $1',
        [created.body.id],
      );
      expect(rows[0]).to.deep.equal({ t: '99999999.99', d: '99999999.99' });
      expect(created.body.totalGross).to.deep.equal(usd(big));
      const tooBig = await server.call('POST', '/Invoice', {
        body: {
          ...body,
          lineItem: [line('li1', 999999999.99, 1)],
          totalPriceComponent: [],
          totalNet: undefined,
          totalGross: usd(999999999.99),
        },
      });
      expect(tooBig.status).to.equal(422);
    });
  });

  describe('the totals must add up (422, nothing written)', () => {
    const count = async () => (await server.sql.query('select count(*)::int as n from invoices')).rows[0].n;
    const broken: [string, (w: People) => Record<string, unknown>, string][] = [
      [
        'a subtotal that is not the sum of the lines',
        (w) => ({
          ...invoice(w),
          totalPriceComponent: [
            { type: 'base', amount: usd(175.49) },
            { type: 'discount', amount: usd(12.55) },
            { type: 'tax', factor: 0.02, amount: usd(2.25) },
          ],
        }),
        'Invoice.totalPriceComponent',
      ],
      [
        'a total that is not subtotal − discount + tax',
        (w) => ({ ...invoice(w), totalGross: usd(165.21) }),
        'Invoice.totalGross',
      ],
      ['a totalNet that is not total − tax', (w) => ({ ...invoice(w), totalNet: usd(165.2) }), 'Invoice.totalNet'],
      [
        'a due amount that is not total − paid',
        (w) => ({
          ...invoice(w),
          extension: invoice(w).extension.map((e) =>
            e.url.endsWith('amount-due') ? { ...e, valueMoney: usd(115.19) } : e,
          ),
        }),
        'Invoice.extension',
      ],
      [
        'a line total that does not add up',
        (w) => ({
          ...invoice(w),
          lineItem: [
            {
              ...line('li1', 125.5, 1, { discount: 12.55, tax: 2.25, factor: 0.02 }),
              priceComponent: [
                ...line('li1', 125.5, 1, { discount: 12.55, tax: 2.25, factor: 0.02 }).priceComponent.slice(0, 3),
                { type: 'informational', code: { text: 'line-total' }, amount: usd(115.21) },
              ],
            },
            line('li2', 0.1, 500),
          ],
        }),
        'Invoice.lineItem[0].priceComponent[3]',
      ],
      ['an amount with three decimals', (w) => ({ ...invoice(w), totalGross: usd(165.201) }), 'Invoice.totalGross'],
      [
        'another currency',
        (w) => ({ ...invoice(w), totalGross: { value: 165.2, currency: 'EUR' } }),
        'Invoice.totalGross',
      ],
      ['an unknown status code', (w) => ({ ...invoice(w), status: 'settled' }), 'Invoice.status'],
      [
        'a subject that does not exist',
        (w) => ({ ...invoice(w), subject: { reference: 'Patient/00000000-0000-4000-8000-000000000000' } }),
        'Invoice.subject',
      ],
      ['no lines', (w) => ({ ...invoice(w), lineItem: undefined }), 'Invoice.lineItem'],
    ];
    for (const [label, body, expression] of broken)
      it(`${label} → 4xx at ${expression}`, async () => {
        const before = await count();
        const reply = await server.call('POST', '/Invoice', { body: JSON.parse(JSON.stringify(body(who))) });
        expect(reply.status, reply.text).to.be.within(400, 422);
        expect(
          reply.body.issue.flatMap((i: any) => i.expression ?? []),
          reply.text,
        ).to.include(expression);
        expect(await count()).to.equal(before);
      });
  });

  describe('status table both ways (profiles/ConceptMap-invoice-status.json)', () => {
    for (const [column, code, kept] of [
      ['draft', 'draft', false],
      ['issued', 'issued', false],
      ['partially_paid', 'issued', true],
      ['overdue', 'issued', true],
      ['paid', 'balanced', false],
      ['cancelled', 'cancelled', false],
      ['written_off', 'issued', true],
    ] as const)
      it(`${column} reads as ${code}${kept ? ' with source-status' : ''} and a round trip keeps it`, async () => {
        const id = await seededInvoice(server, who, { status: column });
        const before = await rowOf(server, 'invoices', id);
        const { read, put } = await putBack(server, 'Invoice', id);
        expect(read.body.status).to.equal(code);
        expect(read.body._status?.extension?.[0]?.valueCode).to.equal(kept ? column : undefined);
        expect(put.status, put.text).to.equal(200);
        expect(await rowOf(server, 'invoices', id)).to.deep.equal(before);
      });
    for (const [code, column] of [
      ['balanced', 'paid'],
      ['draft', 'draft'],
      ['cancelled', 'cancelled'],
    ])
      it(`FHIR ${code} is stored as ${column}`, async () => {
        const created = await server.call('POST', '/Invoice', { body: { ...invoice(who), status: code } });
        expect(created.status, created.text).to.equal(201);
        expect((await rowOf(server, 'invoices', created.body.id)).status).to.equal(column);
      });
  });

  describe('round trip of generated rows (D4)', () => {
    const cents = fc.integer({ min: 0, max: 99999 });
    const text = (c: number, style: number) => {
      const t = (c / 100).toFixed(2);
      return style === 1 && t.endsWith('0') ? t.replace(/\.?0+$/, '') || '0' : t;
    };
    const lineArb = fc.record({
      unit: cents,
      quantity: fc.integer({ min: 1, max: 5 }),
      discount: fc.option(cents, { nil: undefined }),
      tax: fc.option(cents, { nil: undefined }),
      pct: fc.option(fc.constantFrom('0.00', '5', '8.25', '12.5'), { nil: undefined }),
      style: fc.integer({ min: 0, max: 1 }),
      code: fc.boolean(),
    });
    type Payment = { amount: number; method: string; reference?: string };
    const rowArb = fc.record({
      lines: fc.array(lineArb, { minLength: 1, maxLength: 4 }),
      payments: fc.oneof<fc.Arbitrary<Payment[] | null>[]>(
        fc.constant(null),
        fc.constant([]),
        fc.array(
          fc.record({
            amount: cents,
            method: fc.constantFrom('cash', 'card', 'insurance'),
            reference: fc.option(fc.constant('TXN-1'), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
      ),
      status: fc.constantFrom('draft', 'issued', 'paid', 'partially_paid', 'overdue', 'cancelled'),
      notes: fc.option(fc.constant('Payment plan available.'), { nil: null }),
      claim: fc.option(fc.constant('CLM-123456789'), { nil: null }),
      taxPercentage: fc.constantFrom('0.00', '8.25', '5.00'),
    });

    it('row → FHIR → row leaves every column as it was (money texts, empty and full arrays)', async () => {
      await fc.assert(
        fc.asyncProperty(rowArb, async (g) => {
          let subtotal = 0;
          let discount = 0;
          let tax = 0;
          const lineItems = g.lines.map((l, i) => {
            const d = Math.min(l.discount ?? 0, l.unit * l.quantity);
            subtotal += l.unit * l.quantity;
            discount += d;
            tax += l.tax ?? 0;
            return {
              id: `li${i + 1}`,
              ...(l.code ? { code: '99213', codeSystem: 'http://www.ama-assn.org/go/cpt' } : {}),
              description: `Line ${i + 1}`,
              quantity: l.quantity,
              unitPrice: text(l.unit, l.style),
              ...(l.discount !== undefined ? { discount: text(d, l.style) } : {}),
              ...(l.pct !== undefined ? { taxPercentage: l.pct } : {}),
              ...(l.tax !== undefined ? { taxAmount: text(l.tax, l.style) } : {}),
              total: text(l.unit * l.quantity - d + (l.tax ?? 0), l.style),
              serviceDate: '2026-01-02',
            };
          });
          const total = subtotal - discount + tax;
          const payments =
            g.payments?.map((p, i) => ({
              id: `p${i + 1}`,
              date: '2026-01-03T10:00:00.000Z',
              amount: text(p.amount, 0),
              method: p.method,
              ...(p.reference ? { reference: p.reference } : {}),
            })) ?? null;
          const paid = (g.payments ?? []).reduce((s, p) => s + p.amount, 0);
          const id = await insertRow(server, 'invoices', {
            patientId: who.patient,
            invoiceNumber: `GEN-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
            lineItems,
            subtotal: text(subtotal, 0),
            discount: text(discount, 0),
            taxAmount: text(tax, 0),
            taxPercentage: g.taxPercentage,
            totalAmount: text(total, 0),
            paidAmount: text(paid, 0),
            dueAmount: text(total - paid, 0),
            status: g.status,
            issueDate: '2026-01-02T09:00:00',
            dueDate: '2026-02-01T09:00:00.5',
            payments: payments === null ? 'null' : JSON.stringify(payments),
            notes: g.notes,
            insuranceClaimId: g.claim,
          });
          const before = await rowOf(server, 'invoices', id);
          const { put } = await putBack(server, 'Invoice', id);
          expect(put.status, put.text).to.equal(200);
          expect(await rowOf(server, 'invoices', id)).to.deep.equal(before);
        }),
        { numRuns: 40, seed: 20261202 },
      );
    });
  });

  describe('search', () => {
    let mine: People;
    const ids: string[] = [];
    before(async () => {
      mine = await people(server);
      ids.push((await server.call('POST', '/Invoice', { body: invoice(mine) })).body.id);
      ids.push(
        (
          await server.call('POST', '/Invoice', {
            body: { ...invoice(mine), status: 'balanced', date: '2026-03-01T10:00:00Z' },
          })
        ).body.id,
      );
    });
    const found = async (query: string) => {
      const reply = await server.call('GET', `/Invoice?${query}`);
      expect(reply.status, reply.text).to.equal(200);
      return (reply.body.entry ?? []).map((e: any) => e.resource.id).sort();
    };
    it('patient and subject, status, date, identifier, totalgross and totalnet', async () => {
      const p = `patient=${mine.patient}`;
      expect(await found(p)).to.deep.equal([...ids].sort());
      expect(await found(`subject=Patient/${mine.patient}`)).to.deep.equal([...ids].sort());
      expect(await found(`${p}&status=balanced`)).to.deep.equal([ids[1]]);
      expect(await found(`${p}&status=issued`)).to.deep.equal([ids[0]]);
      expect(await found(`${p}&date=ge2026-02-01`)).to.deep.equal([ids[1]]);
      expect(await found(`${p}&date=2026-01-02`)).to.deep.equal([ids[0]]);
      const number = (await server.call('GET', `/Invoice/${ids[0]}`)).body.identifier[0];
      expect(await found(`identifier=${number.system}|${number.value}`)).to.deep.equal([ids[0]]);
      expect(await found(`identifier=${number.value}`)).to.deep.equal([ids[0]]);
      expect(await found(`${p}&totalgross=165.2`)).to.deep.equal([...ids].sort());
      expect(await found(`${p}&totalgross=165.20|urn:iso:std:iso:4217|USD`)).to.deep.equal([...ids].sort());
      expect(await found(`${p}&totalgross=gt165.2`)).to.deep.equal([]);
      expect(await found(`${p}&totalnet=162.95`)).to.deep.equal([...ids].sort());
      expect(await found(`${p}&totalnet=lt162.95`)).to.deep.equal([]);
    });
  });

  describe('versions (D5)', () => {
    it('a payment recorded by the billing application is a new version', async () => {
      const id = (await server.call('POST', '/Invoice', { body: invoice(who) })).body.id;
      await server.sql.query(
        `update invoices set "paidAmount" = 165.20, "dueAmount" = 0, status = 'paid' where id = $1`,
        [id],
      );
      const read = await server.call('GET', `/Invoice/${id}`);
      expect(read.body.meta.versionId).to.equal('2');
      expect(read.body.status).to.equal('balanced');
      expect(read.body.extension.find((e: any) => e.url === `${EXT}/amount-due`).valueMoney).to.deep.equal(usd(0));
      expect((await server.call('GET', `/Invoice/${id}/_history/1`)).body.status).to.equal('issued');
    });
  });
});

/** An invoice row written as the billing application would, that adds up. */
async function seededInvoice(server: TestServer, who: People, values: Record<string, unknown>) {
  return insertRow(server, 'invoices', {
    patientId: who.patient,
    invoiceNumber: `SQL-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
    lineItems: [{ id: 'li1', description: 'Visit', quantity: 1, unitPrice: '80.00', total: '80.00' }],
    subtotal: '80.00',
    totalAmount: '80.00',
    dueAmount: '80.00',
    issueDate: '2026-01-02T09:00:00',
    dueDate: '2026-02-01T09:00:00',
    ...values,
  });
}
