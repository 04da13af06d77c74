// Round trips over generated data for the writable clinical resources (D4): a prescription row
// goes row → FHIR → row unchanged entry by entry, and resources a client sends go FHIR → row →
// FHIR: what the server reads back keeps what was sent, and from then on a PUT of it changes
// neither the row nor the resource. Times fall around DST changes; money, empty and full arrays vary.
import { expect } from 'chai';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../../support/server.js';
import { insertRow, newMedication, people, rowOf, type People } from './clinical-fixtures.js';

const ZONE = 'America/New_York';
const EXT = 'https://fhir-interop-server.dev/fhir/StructureDefinition';
const RUNS = { numRuns: 25, seed: 20261203 };
const usd = (cents: number) => ({ value: cents / 100, currency: 'USD' });

/** Local times on and around the 2026 US DST changes, and ordinary ones. */
const localTime = fc.constantFrom(
  '2026-03-08T01:30:00',
  '2026-03-08T03:15:00',
  '2026-11-01T01:30:00',
  '2026-11-01T00:59:59',
  '2026-07-04T12:00:00',
  '2025-12-31T23:59:59.5',
);
const text = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ,.()-]{0,40}$/);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const noUndefined = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
const withoutMeta = ({ meta: _meta, ...rest }: Record<string, unknown>) => rest;

describe('generated round trips of the clinical resources', function () {
  this.timeout(600000);
  let server: TestServer;
  let who: People;
  let medicine: string;
  let codeSystem: string;
  before(async () => {
    server = await startTestServer({ HOSPITAL_TIME_ZONE: ZONE });
    who = await people(server);
    codeSystem = `${server.config.identifierNamespace}/medicine-code`;
    medicine = (await server.call('POST', '/Medication', { body: newMedication(codeSystem) })).body.id;
  });
  after(() => server?.stop());

  /** POST, read, PUT what was read, read again: the second trip changes nothing. */
  async function fhirRowFhir(
    type: string,
    table: string,
    body: Record<string, unknown>,
    rowId?: (id: string) => Promise<string>,
  ) {
    const created = await server.call('POST', `/${type}`, { body });
    expect(created.status, created.text).to.equal(201);
    const id = created.body.id as string;
    const first = await server.call('GET', `/${type}/${id}`);
    const key = rowId ? await rowId(id) : id;
    const row = await rowOf(server, table, key);
    const put = await server.call('PUT', `/${type}/${id}`, { body: first.body });
    expect(put.status, put.text).to.equal(200);
    const second = await server.call('GET', `/${type}/${id}`);
    expect(withoutMeta(second.body), `${type}/${id}`).to.deep.equal(withoutMeta(first.body));
    expect(await rowOf(server, table, key), `${table} row of ${type}/${id}`).to.deep.equal(row);
    return first.body;
  }

  describe('row → FHIR → row', () => {
    const medicineEntry = (id: string) =>
      fc
        .record({
          named: fc.boolean(),
          medicineCode: fc.constantFrom('MED-00001', 'MED-00042', 'X-7'),
          name: text,
          genericName: opt(text),
          strength: opt(fc.constantFrom('500mg', '12.5mg/5ml', '100units/ml')),
          form: opt(fc.constantFrom('Tablet', 'Syrup', 'Injection')),
          dose: fc.record(
            { value: fc.constantFrom(0.5, 1, 2, 12.5), unit: opt(fc.constantFrom('tablet', 'mL', 'unit')) },
            { requiredKeys: ['value'] },
          ),
          route: opt(fc.constantFrom('oral', 'subcutaneous', 'topical')),
          frequency: fc.record(
            {
              text: opt(text),
              count: fc.integer({ min: 1, max: 4 }),
              period: fc.integer({ min: 1, max: 3 }),
              periodUnit: fc.constantFrom('h', 'd', 'wk', 'mo'),
              asNeeded: opt(fc.boolean()),
            },
            { requiredKeys: ['count', 'period', 'periodUnit'] },
          ),
          duration: opt(fc.record({ value: fc.integer({ min: 1, max: 90 }), unit: fc.constantFrom('d', 'wk', 'mo') })),
          quantity: opt(
            fc.record(
              { value: fc.integer({ min: 1, max: 600 }), unit: opt(fc.constantFrom('tablet', 'mL')) },
              { requiredKeys: ['value'] },
            ),
          ),
          refills: opt(fc.integer({ min: 0, max: 5 })),
          instructions: opt(text),
          substitutionAllowed: opt(fc.boolean()),
        })
        .map(({ named, ...entry }) => noUndefined({ id, ...(named ? { medicineId: medicine } : {}), ...entry }));
    const prescription = fc.record({
      entries: fc
        .integer({ min: 1, max: 4 })
        .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => medicineEntry(`m${i + 1}`)))),
      status: fc.constantFrom('draft', 'issued', 'active', 'fulfilled', 'cancelled', 'expired', 'on_hold'),
      notes: opt(text),
      diagnosis: opt(text),
      issuedDate: localTime,
      expiryDate: opt(localTime),
      isRecurring: opt(fc.boolean()),
      recurringEndDate: opt(localTime),
      isDigitallySigned: opt(fc.boolean()),
      pharmacyNotified: fc.constantFrom([], ['Main Street Pharmacy'], ['A', 'B, with a comma']),
    });
    let serial = 0;

    it('MedicationRequest: a PUT of each entry as read leaves the prescription row as it was', async () => {
      await fc.assert(
        fc.asyncProperty(prescription, async ({ entries, ...values }) => {
          const id = await insertRow(server, 'prescriptions', {
            ...noUndefined(values),
            pharmacyNotified: values.pharmacyNotified,
            patientId: who.patient,
            doctorId: who.doctor,
            prescriptionNumber: `RX-G-${process.pid}-${++serial}`,
            medicines: JSON.stringify(entries),
          });
          const before = await rowOf(server, 'prescriptions', id);
          const { rows } = await server.sql.query<{ id: string }>(
            'select id from fhir_prescription_entries where prescription_id = $1 order by entry_id',
            [id],
          );
          expect(rows).to.have.length(entries.length);
          for (const entry of rows) {
            const read = await server.call('GET', `/MedicationRequest/${entry.id}`);
            expect(read.status, read.text).to.equal(200);
            const put = await server.call('PUT', `/MedicationRequest/${entry.id}`, { body: read.body });
            expect(put.status, put.text).to.equal(200);
          }
          expect(await rowOf(server, 'prescriptions', id)).to.deep.equal(before);
        }),
        RUNS,
      );
    });
  });

  describe('FHIR → row → FHIR', () => {
    const offsetInstant = fc.constantFrom(
      '2026-03-08T01:30:00-05:00',
      '2026-03-08T03:30:00-04:00',
      '2026-11-01T01:30:00-04:00',
      '2026-11-01T01:30:00-05:00',
      '2026-07-04T16:00:00Z',
    );
    let minute = 0;

    it('Appointment: start in any offset around DST, duration, reason and extensions', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            start: offsetInstant,
            minutes: fc.integer({ min: 5, max: 120 }),
            reason: opt(text),
            comment: opt(text),
            virtual: opt(fc.boolean()),
            status: fc.constantFrom('booked', 'pending', 'arrived', 'cancelled', 'noshow', 'fulfilled'),
          }),
          async (g) => {
            // each run a few minutes later, so bookings of one doctor never overlap
            const start = new Date(new Date(g.start).getTime() + ++minute * 7 * 24 * 3600000).toISOString();
            const sent = noUndefined({
              resourceType: 'Appointment',
              status: g.status,
              start,
              minutesDuration: g.minutes,
              reasonCode: g.reason ? [{ text: g.reason }] : undefined,
              comment: g.comment,
              extension:
                g.virtual === undefined ? undefined : [{ url: `${EXT}/virtual-visit`, valueBoolean: g.virtual }],
              participant: [
                { actor: { reference: `Patient/${who.patient}` }, status: 'accepted' },
                { actor: { reference: `Practitioner/${who.doctor}` }, status: 'accepted' },
              ],
            });
            const read = await fhirRowFhir('Appointment', 'appointments', sent);
            expect(new Date(read.start).getTime()).to.equal(new Date(start).getTime());
            expect(read).to.deep.include(
              noUndefined({
                status: g.status,
                minutesDuration: g.minutes,
                comment: g.comment,
                participant: sent.participant,
              }),
            );
            if (g.reason) expect(read.reasonCode).to.deep.equal([{ text: g.reason }]);
          },
        ),
        RUNS,
      );
    });

    it('Medication: prices in cents, stock, side effects empty and full', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            purchase: fc.integer({ min: 1, max: 99999999 }),
            selling: fc.integer({ min: 1, max: 99999999 }),
            stock: fc.integer({ min: 0, max: 100000 }),
            sideEffects: fc.array(text, { maxLength: 3 }),
          }),
          async (g) => {
            const base = newMedication(codeSystem);
            const extension = [
              { url: `${EXT}/purchase-price`, valueMoney: usd(g.purchase) },
              { url: `${EXT}/selling-price`, valueMoney: usd(g.selling) },
              { url: `${EXT}/stock`, valueInteger: g.stock },
              { url: `${EXT}/reorder-level`, valueInteger: 50 },
              ...g.sideEffects.map((s) => ({ url: `${EXT}/side-effect`, valueString: s })),
            ];
            const read = await fhirRowFhir('Medication', 'medicines', { ...base, extension });
            expect(read.extension).to.deep.include.members(extension);
            expect(read.code).to.deep.equal(base.code);
          },
        ),
        RUNS,
      );
    });

    it('MedicationRequest: dose, timing, supply and dates around DST', async () => {
      const prescriptionOf = async (id: string) =>
        (await server.sql.query('select prescription_id from fhir_prescription_entries where id = $1', [id])).rows[0]
          .prescription_id as string;
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            authoredOn: offsetInstant,
            frequency: fc.integer({ min: 1, max: 4 }),
            period: fc.integer({ min: 1, max: 3 }),
            periodUnit: fc.constantFrom('h', 'd', 'wk', 'mo'),
            dose: fc.constantFrom(0.5, 1, 2),
            quantity: fc.integer({ min: 1, max: 500 }),
            days: fc.integer({ min: 1, max: 90 }),
            status: fc.constantFrom('active', 'draft', 'on-hold', 'completed', 'cancelled'),
            note: opt(text),
          }),
          async (g) => {
            const sent = noUndefined({
              resourceType: 'MedicationRequest',
              status: g.status,
              intent: 'order',
              medicationReference: { reference: `Medication/${medicine}` },
              subject: { reference: `Patient/${who.patient}` },
              authoredOn: g.authoredOn,
              requester: { reference: `Practitioner/${who.doctor}` },
              note: g.note ? [{ text: g.note }] : undefined,
              dosageInstruction: [
                {
                  text: `${g.frequency} times`,
                  timing: { repeat: { frequency: g.frequency, period: g.period, periodUnit: g.periodUnit } },
                  doseAndRate: [{ doseQuantity: { value: g.dose, unit: 'tablet' } }],
                },
              ],
              dispenseRequest: {
                quantity: { value: g.quantity, unit: 'tablet' },
                expectedSupplyDuration: { value: g.days, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' },
              },
            });
            const read = await fhirRowFhir('MedicationRequest', 'prescriptions', sent, prescriptionOf);
            expect(new Date(read.authoredOn).getTime()).to.equal(new Date(g.authoredOn).getTime());
            expect(read).to.deep.include({ status: g.status, intent: 'order', subject: sent.subject });
            expect(read.dosageInstruction[0].timing).to.deep.equal(sent.dosageInstruction[0]!.timing);
            expect(read.dispenseRequest.quantity).to.deep.equal(sent.dispenseRequest.quantity);
          },
        ),
        RUNS,
      );
    });

    it('Invoice: lines and totals exact to the cent', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({ cents: fc.integer({ min: 1, max: 5000000 }), quantity: fc.integer({ min: 1, max: 20 }) }),
            {
              minLength: 1,
              maxLength: 4,
            },
          ),
          fc.constantFrom('draft', 'issued', 'balanced', 'cancelled'),
          async (lines, status) => {
            const base = lines.reduce((sum, l) => sum + l.cents * l.quantity, 0);
            const sent = {
              resourceType: 'Invoice',
              status,
              extension: [{ url: `${EXT}/due-date`, valueDateTime: '2026-12-01T00:00:00Z' }],
              subject: { reference: `Patient/${who.patient}` },
              date: '2026-11-01T05:30:00Z',
              lineItem: lines.map((l, i) => ({
                id: `li${i + 1}`,
                sequence: i + 1,
                chargeItemCodeableConcept: { text: `Item ${i + 1}` },
                priceComponent: [
                  { type: 'base', factor: l.quantity, amount: usd(l.cents) },
                  { type: 'informational', code: { text: 'line-total' }, amount: usd(l.cents * l.quantity) },
                ],
              })),
              totalPriceComponent: [{ type: 'base', amount: usd(base) }],
              totalNet: usd(base),
              totalGross: usd(base),
            };
            const read = await fhirRowFhir('Invoice', 'invoices', sent);
            expect(read).to.deep.include({ status, totalNet: usd(base), totalGross: usd(base) });
            expect(read.lineItem.map((l: { priceComponent: unknown[] }) => l.priceComponent)).to.deep.equal(
              sent.lineItem.map((l) => l.priceComponent),
            );
          },
        ),
        RUNS,
      );
    });
  });
});
