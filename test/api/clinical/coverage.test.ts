// Coverage ⇄ the insurance columns of patients (http://hl7.org/fhir/R4/coverage.html): one per
// patient with the patient's id, created on the beneficiary's row, cleared by delete; bad input.
import { expect } from 'chai';
import fc from 'fast-check';
import { newPatient } from '../../support/fhir-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';

describe('Coverage ⇄ patients insurance columns', function () {
  let server: TestServer;
  before(async () => (server = await startTestServer()));
  after(() => server?.stop());

  const patient = async () => {
    const res = await server.call('POST', '/Patient', { body: newPatient() });
    expect(res.status, res.text).to.equal(201);
    return res.body.id as string;
  };
  const insurance = async (id: string) =>
    (
      await server.sql.query(
        `select "insuranceProvider" as provider, "insurancePolicyNumber" as number, "insuranceExpiry"::text as expiry
           from patients where id = $1`,
        [id],
      )
    ).rows[0];
  const coverage = (id: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Coverage',
    status: 'active',
    beneficiary: { reference: `Patient/${id}` },
    payor: [{ display: 'Acme Health' }],
    subscriberId: 'POL-123',
    period: { end: '2027-06-30' },
    ...extra,
  });

  it('a patient without insurance has no Coverage; one written with SQL reads with payor, subscriberId, period', async () => {
    const id = await patient();
    expect((await server.call('GET', `/Coverage/${id}`)).status).to.equal(404);
    await server.sql.query(
      `update patients set "insuranceProvider" = 'Blue Shield', "insurancePolicyNumber" = 'P-9', "insuranceExpiry" = '2026-12-31' where id = $1`,
      [id],
    );
    const res = await server.call('GET', `/Coverage/${id}`);
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.deep.include({ status: 'active', subscriberId: 'P-9', period: { end: '2026-12-31' } });
    expect(res.body.payor).to.deep.equal([{ display: 'Blue Shield' }]);
    expect(res.body.beneficiary.reference).to.match(new RegExp(`Patient/${id}$`));
    const found = await server.call('GET', `/Coverage?patient=${id}&status=active&identifier=P-9`);
    expect(found.body.entry.map((e: any) => e.resource.id)).to.deep.equal([id]);
    const compartment = await server.call('GET', `/Patient/${id}/Coverage`);
    expect(compartment.body.entry).to.have.length(1);
  });

  it('create fills the columns of the beneficiary; update changes them; delete clears them (versions)', async () => {
    const id = await patient();
    const created = await server.call('POST', '/Coverage', { body: coverage(id) });
    expect(created.status, created.text).to.equal(201);
    expect(created.body.id).to.equal(id);
    expect(await insurance(id)).to.deep.equal({ provider: 'Acme Health', number: 'POL-123', expiry: '2027-06-30' });
    const again = await server.call('POST', '/Coverage', { body: coverage(id) });
    expect(again.status, again.text).to.equal(409);
    const updated = await server.call('PUT', `/Coverage/${id}`, {
      body: { ...created.body, payor: [{ display: 'Other Mutual' }] },
    });
    expect(updated.status, updated.text).to.equal(200);
    expect(updated.body.meta.versionId).to.equal('2');
    expect((await insurance(id)).provider).to.equal('Other Mutual');
    const del = await server.call('DELETE', `/Coverage/${id}`);
    expect(del.status, del.text).to.be.oneOf([200, 204]);
    expect(await insurance(id)).to.deep.equal({ provider: null, number: null, expiry: null });
    expect((await server.call('GET', `/Coverage/${id}`)).status).to.equal(410);
    expect((await server.call('GET', `/Patient/${id}`)).status).to.equal(200);
  });

  it('period.start has no column and is kept beside the row (D4)', async () => {
    const id = await patient();
    const created = await server.call('POST', '/Coverage', {
      body: coverage(id, { period: { start: '2026-01-01', end: '2027-01-01' } }),
    });
    expect(created.status, created.text).to.equal(201);
    const read = await server.call('GET', `/Coverage/${id}`);
    expect(read.body.period).to.deep.equal({ start: '2026-01-01', end: '2027-01-01' });
  });

  describe('bad input: 4xx naming the element, nothing written', () => {
    for (const [name, change, expression] of [
      ['an impossible period', { period: { start: '2027-01-01', end: '2026-01-01' } }, 'Coverage.period'],
      ['a status the table cannot hold', { status: 'cancelled' }, 'Coverage.status'],
      ['a policy number longer than 50 characters', { subscriberId: 'x'.repeat(51) }, 'Coverage.subscriberId'],
      [
        'no insurance value at all',
        { payor: [{ reference: 'Organization/x' }], subscriberId: undefined, period: undefined },
        'Coverage',
      ],
    ] as const)
      it(`${name} → 422 naming ${expression}`, async () => {
        const id = await patient();
        const res = await server.call('POST', '/Coverage', { body: coverage(id, change) });
        expect(res.status, res.text).to.equal(422);
        expect(JSON.stringify(res.body.issue)).to.include(expression);
        expect(await insurance(id)).to.deep.equal({ provider: null, number: null, expiry: null });
      });

    it('a beneficiary that does not exist → 422', async () => {
      const res = await server.call('POST', '/Coverage', { body: coverage('6f1c1f0e-0000-4000-8000-000000000000') });
      expect(res.status, res.text).to.equal(422);
      expect(JSON.stringify(res.body.issue)).to.include('Coverage.beneficiary');
    });
  });

  it('round trip over generated insurance values: the columns hold what was sent, a put back changes nothing', async () => {
    const text = (max: number) =>
      fc
        .string({ minLength: 1, maxLength: max })
        .filter((s) => s.trim() === s && s.length > 0 && [...s].every((c) => c.charCodeAt(0) >= 32));
    const day = fc
      .date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
    await fc.assert(
      fc.asyncProperty(text(100), text(50), day, async (provider, number, expiry) => {
        const id = await patient();
        const res = await server.call('POST', '/Coverage', {
          body: coverage(id, { payor: [{ display: provider }], subscriberId: number, period: { end: expiry } }),
        });
        expect(res.status, res.text).to.equal(201);
        expect(await insurance(id)).to.deep.equal({ provider, number, expiry });
        const put = await server.call('PUT', `/Coverage/${id}`, { body: res.body });
        expect(put.body.meta.versionId).to.equal('1');
      }),
      { numRuns: 15 },
    );
  });
});
