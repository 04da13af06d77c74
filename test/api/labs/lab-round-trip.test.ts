// Nothing lost (D4) over generated lab data: Observations, reports and orders written through FHIR
// read back as sent, apart from id, meta and the normalisations profiles/README.md lists (the
// category and basedOn the row implies, display texts the columns fill in, UTC times).
import { expect } from 'chai';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../../support/server.js';
import { people, type People } from '../clinical/clinical-fixtures.js';
import { order, UCUM } from './lab-fixtures.js';

const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const word = fc.stringMatching(/^[A-Z][a-z]{2,12}$/);
const loinc = fc.stringMatching(/^[1-9][0-9]{2,5}-[0-9]$/);
const unit = fc.constantFrom('mg/dL', 'mmol/L', 'g/dL', '10*3/uL', '%', 'U/L', 'ng/mL', 'mm[Hg]', '{ratio}');
const instant = fc
  .date({ min: new Date('2020-01-01'), max: new Date('2026-11-30'), noInvalidDate: true })
  .map((d) => `${d.toISOString().slice(0, 19)}Z`);
const decimal = fc.integer({ min: 0, max: 100000 }).map((n) => n / 100);

/** An Observation the lab sends (without subject and basedOn, added per run). */
const observation = fc
  .record(
    {
      system: fc.constantFrom('http://loinc.org', 'urn:oid:2.16.840.1.113883.6.1'),
      code: loinc,
      name: word,
      status: fc.constantFrom('preliminary', 'final', 'amended', 'corrected', 'cancelled'),
      value: fc.oneof(
        fc.record({ kind: fc.constant('quantity' as const), value: decimal, unit }),
        fc.record({ kind: fc.constant('string' as const), text: word.map((w) => `${w} seen`) }),
      ),
      range: optional(
        fc.record({ low: optional(decimal), high: optional(decimal), text: optional(word) }, { requiredKeys: [] }),
      ),
      flag: optional(fc.constantFrom('N', 'L', 'H', 'LL', 'HH', 'A', 'AA', 'POS', 'NEG')),
      effective: optional(instant),
      note: optional(word.map((w) => `${w} noted.`)),
      extra: optional(fc.record({ method: fc.record({ text: word }) })),
    },
    { requiredKeys: ['system', 'code', 'name', 'status', 'value'] },
  )
  .map((g) => {
    const quantity = (value: number) =>
      g.value.kind === 'quantity' ? { value, unit: g.value.unit, system: UCUM, code: g.value.unit } : undefined;
    const range =
      g.value.kind === 'quantity' &&
      g.range &&
      (g.range.low !== undefined || g.range.high !== undefined || g.range.text)
        ? {
            ...(g.range.low !== undefined ? { low: quantity(g.range.low) } : {}),
            ...(g.range.high !== undefined ? { high: quantity(g.range.high) } : {}),
            ...(g.range.text ? { text: g.range.text } : {}),
          }
        : undefined;
    return {
      resourceType: 'Observation',
      status: g.status,
      category: [{ coding: [{ system: CATEGORY, code: 'laboratory', display: 'Laboratory' }] }],
      code: { coding: [{ system: g.system, code: g.code, display: g.name }], text: g.name },
      ...(g.effective ? { effectiveDateTime: g.effective } : {}),
      ...(g.value.kind === 'quantity' ? { valueQuantity: quantity(g.value.value) } : { valueString: g.value.text }),
      ...(g.flag ? { interpretation: [{ coding: [{ system: INTERPRETATION, code: g.flag }] }] } : {}),
      ...(g.note ? { note: [{ text: g.note }] } : {}),
      ...(range ? { referenceRange: [range] } : {}),
      ...(g.extra ?? {}),
    };
  });

/** What the server adds from the row to what was sent: the interpretation's display. */
function expected(sent: any, read: any) {
  const copy = JSON.parse(JSON.stringify(sent));
  if (copy.interpretation) copy.interpretation[0].coding[0].display = read.interpretation?.[0]?.coding?.[0]?.display;
  if (!copy.effectiveDateTime && read.effectiveDateTime) copy.effectiveDateTime = read.effectiveDateTime;
  return copy;
}

const strip = ({ id: _id, meta: _meta, ...rest }: any) => rest;

describe('labs › round trips over generated lab data (D4)', function () {
  this.timeout(300000);
  let server: TestServer;
  let who: People;
  before(async () => {
    server = await startTestServer({ LAB_CODE_SYSTEM: 'urn:oid:2.16.840.1.113883.6.1' });
    who = await people(server);
  });
  after(() => server?.stop());

  it('a generated Observation, created and updated, reads back as sent (UCUM units, flags, ranges, texts)', async () => {
    const orderId = await order(server, who.patient);
    await fc.assert(
      fc.asyncProperty(observation, observation, async (first, second) => {
        const link = {
          subject: { reference: `Patient/${who.patient}` },
          basedOn: [{ reference: `ServiceRequest/${orderId}` }],
        };
        const created = await server.call('POST', '/Observation', { body: { ...first, ...link } });
        expect(created.status, created.text).to.equal(201);
        const read = (await server.call('GET', `/Observation/${created.body.id}`)).body;
        expect(strip(read)).to.deep.equal(expected({ ...first, ...link }, read));
        const body = { ...second, ...link, id: created.body.id };
        const updated = await server.call('PUT', `/Observation/${created.body.id}`, { body });
        expect(updated.status, updated.text).to.equal(200);
        const again = (await server.call('GET', `/Observation/${created.body.id}`)).body;
        expect(strip(again)).to.deep.equal(expected(strip(body), again));
      }),
      { numRuns: 25 },
    );
  });

  it('a generated order and its report read back as sent; LAB_CODE_SYSTEM names the code system of LOINC-shaped codes', async () => {
    const order = fc.record({
      code: loinc,
      name: word,
      authored: instant,
      note: optional(word),
      detail: optional(word.map((w) => `${w} panel - Blood`)),
    });
    const report = fc.record(
      {
        status: fc.constantFrom('registered', 'partial', 'preliminary', 'final', 'amended', 'corrected', 'cancelled'),
        effective: optional(instant),
        issued: optional(instant),
        performer: optional(word.map((w) => `${w} Lab, MLS`)),
        conclusion: optional(word.map((w) => `${w} within range.`)),
        pdf: optional(word.map((w) => `https://files.example.org/lab/${w}.pdf`)),
      },
      { requiredKeys: ['status'] },
    );
    await fc.assert(
      fc.asyncProperty(order, report, async (o, r) => {
        const code = {
          coding: [{ system: 'urn:oid:2.16.840.1.113883.6.1', code: o.code, display: o.name }],
          text: o.name,
        };
        const request = {
          resourceType: 'ServiceRequest',
          status: 'active',
          intent: 'order',
          category: [
            { coding: [{ system: 'http://snomed.info/sct', code: '108252007', display: 'Laboratory procedure' }] },
          ],
          code,
          ...(o.detail ? { orderDetail: [{ text: o.detail }] } : {}),
          subject: { reference: `Patient/${who.patient}` },
          authoredOn: o.authored,
          ...(o.note ? { note: [{ text: o.note }] } : {}),
        };
        const created = await server.call('POST', '/ServiceRequest', { body: request });
        expect(created.status, created.text).to.equal(201);
        const readOrder = strip((await server.call('GET', `/ServiceRequest/${created.body.id}`)).body);
        expect(readOrder).to.deep.equal({ ...request, orderDetail: [{ text: o.detail ?? o.name }] });
        const sent = {
          resourceType: 'DiagnosticReport',
          basedOn: [{ reference: `ServiceRequest/${created.body.id}` }],
          status: r.status,
          category: [
            {
              coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB', display: 'Laboratory' }],
            },
          ],
          code,
          subject: { reference: `Patient/${who.patient}` },
          ...(r.effective ? { effectiveDateTime: r.effective } : {}),
          ...(r.issued ? { issued: r.issued } : {}),
          ...(r.performer
            ? { performer: [{ display: r.performer }], resultsInterpreter: [{ display: r.performer }] }
            : {}),
          ...(r.conclusion ? { conclusion: r.conclusion } : {}),
          ...(r.pdf ? { presentedForm: [{ contentType: 'application/pdf', url: r.pdf }] } : {}),
        };
        const posted = await server.call('POST', '/DiagnosticReport', { body: sent });
        expect(posted.status, posted.text).to.equal(201);
        expect(posted.body.id).to.equal(created.body.id);
        const readReport = strip((await server.call('GET', `/DiagnosticReport/${created.body.id}`)).body);
        expect(readReport).to.deep.equal(sent);
      }),
      { numRuns: 20 },
    );
  });
});
