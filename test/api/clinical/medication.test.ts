// Medication ⇄ medicines (http://hl7.org/fhir/R4/medication.html): the catalogue both ways, prices
// exact, search by code, form, status, lot number and expiry; versions.
import { expect } from 'chai';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../../support/server.js';
import { insertRow, newMedication, putBack, rowOf } from './clinical-fixtures.js';

const EXT = 'https://fhir-interop-server.dev/fhir/StructureDefinition';
let serial = 0;

describe('Medication ⇄ medicines', function () {
  let server: TestServer;
  let system: string;
  before(async () => {
    server = await startTestServer();
    system = `${server.config.identifierNamespace}/medicine-code`;
  });
  after(() => server?.stop());

  it('a Medication is stored in the columns and read back as sent', async () => {
    const sent = newMedication(system);
    const created = await server.call('POST', '/Medication', { body: sent });
    expect(created.status, created.text).to.equal(201);
    const row = await rowOf(server, 'medicines', created.body.id);
    expect(row).to.include({
      medicineCode: sent.identifier[0]!.value,
      name: 'Amoxil',
      genericName: 'Amoxicillin',
      strength: '500mg',
      formulation: 'Capsule',
      manufacturer: 'Acme Pharma',
      purchasePrice: 3.6,
      sellingPrice: 6.05,
      stock: 120,
      reorderLevel: 50,
      isActive: true,
      expiryDate: '2027-06-30T00:00:00',
    });
    expect(row.sideEffects).to.deep.equal(['Nausea', 'Headache']);
    const { rows } = await server.sql.query('select "sellingPrice"::text as p from medicines where id = $1', [
      created.body.id,
    ]);
    expect(rows[0].p).to.equal('6.05');
    const { id: _id, meta: _meta, ...body } = (await server.call('GET', `/Medication/${created.body.id}`)).body;
    expect(body).to.deep.equal(sent);
  });

  it('status both ways: isActive true ⇄ active, false ⇄ inactive, NULL ⇄ no status', async () => {
    for (const [isActive, status] of [
      [true, 'active'],
      [false, 'inactive'],
      [null, undefined],
    ] as const) {
      const id = await insertRow(server, 'medicines', {
        medicineCode: `SQL-${++serial}-${process.pid}`,
        name: 'Ibuprofen',
        strength: '200 mg',
        formulation: 'Tablet',
        purchasePrice: '1.00',
        sellingPrice: '2.5',
        isActive,
        sideEffects: null,
      });
      const before = await rowOf(server, 'medicines', id);
      const { read, put } = await putBack(server, 'Medication', id);
      expect(read.body.status).to.equal(status);
      expect(put.status, put.text).to.equal(200);
      expect(await rowOf(server, 'medicines', id)).to.deep.equal(before);
    }
    const created = await server.call('POST', '/Medication', { body: newMedication(system, { status: 'inactive' }) });
    expect((await rowOf(server, 'medicines', created.body.id)).isActive).to.equal(false);
  });

  it('bad input → 4xx naming the element; nothing written', async () => {
    const count = async () => (await server.sql.query('select count(*)::int as n from medicines')).rows[0].n;
    const before = await count();
    const noPrice = newMedication(system);
    noPrice.extension = noPrice.extension.filter((e) => !e.url.endsWith('selling-price'));
    for (const [body, expression] of [
      [noPrice, 'Medication'],
      [{ ...newMedication(system), form: undefined }, 'Medication.form'],
      [{ ...newMedication(system), status: 'entered-in-error' }, 'Medication.status'],
      [{ ...newMedication(system), status: 'gone' }, 'Medication.status'],
    ] as const) {
      const reply = await server.call('POST', '/Medication', { body: JSON.parse(JSON.stringify(body)) });
      expect(reply.status, `${expression}: ${reply.text}`).to.be.within(400, 422);
      expect(
        reply.body.issue.flatMap((i: any) => i.expression ?? []),
        reply.text,
      ).to.include(expression);
    }
    expect(await count()).to.equal(before);
  });

  it('search by code, form, status, lot-number and expiration-date', async () => {
    const a = newMedication(system);
    const b = newMedication(system, {
      form: { text: 'Syrup' },
      status: 'inactive',
      batch: { lotNumber: 'LOT-SYRUP', expirationDate: '2026-01-31T00:00:00Z' },
    });
    const ida = (await server.call('POST', '/Medication', { body: a })).body.id;
    const idb = (await server.call('POST', '/Medication', { body: b })).body.id;
    const found = async (query: string) =>
      ((await server.call('GET', `/Medication?${query}`)).body.entry ?? []).map((e: any) => e.resource.id).sort();
    expect(await found(`code=${system}|${a.identifier[0]!.value}`)).to.deep.equal([ida]);
    expect(await found(`code=${b.identifier[0]!.value}`)).to.deep.equal([idb]);
    expect(await found(`form=syrup&lot-number=LOT-SYRUP`)).to.deep.equal([idb]);
    expect(await found(`status=inactive&lot-number=LOT-SYRUP`)).to.deep.equal([idb]);
    expect(await found(`status=active&lot-number=LOT-SYRUP`)).to.deep.equal([]);
    expect(await found(`lot-number=${a.batch.lotNumber}&expiration-date=ge2027-06-30`)).to.deep.equal([ida]);
    expect(await found(`lot-number=LOT-SYRUP&expiration-date=lt2026-02-01`)).to.deep.equal([idb]);
  });

  it('a price change by the pharmacy system is a new version', async () => {
    const id = (await server.call('POST', '/Medication', { body: newMedication(system) })).body.id;
    await server.sql.query(`update medicines set "sellingPrice" = 7.10 where id = $1`, [id]);
    const read = await server.call('GET', `/Medication/${id}`);
    expect(read.body.meta.versionId).to.equal('2');
    expect(read.body.extension.find((e: any) => e.url === `${EXT}/selling-price`).valueMoney).to.deep.equal({
      value: 7.1,
      currency: 'USD',
    });
  });

  it('row → FHIR → row leaves generated rows unchanged', async () => {
    const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
    const rowArb = fc.record({
      name: fc.stringMatching(/^[A-Z][a-z]{2,12}$/),
      genericName: opt(fc.stringMatching(/^[a-z]{3,12}$/)),
      strength: fc.constantFrom('500mg', '125mg/5mL', '10 ml', '0.5%', 'two puffs'),
      formulation: fc.constantFrom('Tablet', 'Capsule', 'Syrup'),
      manufacturer: opt(fc.constant('Generic Labs')),
      batchNumber: opt(fc.constant('B-77')),
      description: opt(fc.constant('For pain')),
      purchasePrice: fc.integer({ min: 0, max: 99999999 }).map((c) => (c / 100).toFixed(2)),
      sellingPrice: fc.constantFrom('0', '1.5', '12.30', '99999999.99'),
      stock: opt(fc.integer({ min: 0, max: 5000 })),
      reorderLevel: opt(fc.integer({ min: 0, max: 100 })),
      expiryDate: opt(fc.constantFrom('2027-01-01T00:00:00', '2026-05-05T12:30:00.25')),
      sideEffects: opt(fc.array(fc.constantFrom('Nausea', 'Rash'), { maxLength: 2 })),
      contraindications: opt(fc.array(fc.constant('Pregnancy'), { maxLength: 1 })),
      storageConditions: opt(fc.constant('Below 25 °C')),
      isActive: opt(fc.boolean()),
    });
    await fc.assert(
      fc.asyncProperty(rowArb, async (values) => {
        const id = await insertRow(server, 'medicines', { ...values, medicineCode: `GEN-${++serial}-${process.pid}` });
        const before = await rowOf(server, 'medicines', id);
        const { put } = await putBack(server, 'Medication', id);
        expect(put.status, put.text).to.equal(200);
        expect(await rowOf(server, 'medicines', id)).to.deep.equal(before);
      }),
      { numRuns: 30, seed: 20261202 },
    );
  });
});
