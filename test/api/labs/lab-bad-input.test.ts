// Bad input to the lab resources (issue 6, D4, D10): a 4xx OperationOutcome naming the element,
// and nothing written: not a row, not an entry, not a version.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { people, rowOf, type People } from '../clinical/clinical-fixtures.js';
import { labObservation, labTransaction, order, UCUM } from './lab-fixtures.js';

describe('labs › bad input is refused with the element named, and nothing is written', function () {
  let server: TestServer;
  let who: People;
  let other: People;
  before(async () => {
    server = await startTestServer();
    who = await people(server);
    other = await people(server);
  });
  after(() => server?.stop());

  /** Everything a refused write must leave as it was. */
  async function state(orderId: string) {
    const { rows } = await server.sql.query(
      `select (select count(*)::int from lab_tests) as rows,
              (select count(*)::int from fhir_resource_versions) as versions,
              (select count(*)::int from fhir_lab_result_entries) as entries`,
    );
    return { ...rows[0], row: await rowOf(server, 'lab_tests', orderId) };
  }

  const expressions = (body: any) => body.issue.flatMap((i: any) => i.expression ?? []);

  it("a report whose Observations are another patient's: 422 naming Observation.subject", async () => {
    const orderId = await order(server, who.patient);
    const before = await state(orderId);
    const bundle = labTransaction(who.patient, orderId, 2, {
      observation: (i) => (i === 1 ? { subject: { reference: `Patient/${other.patient}` } } : {}),
    });
    const reply = await server.call('POST', '', { body: bundle });
    expect(reply.status, reply.text).to.equal(422);
    expect(reply.body.resourceType).to.equal('OperationOutcome');
    expect(expressions(reply.body)).to.include('Observation.subject');
    expect(reply.text).to.match(/another patient/);
    expect(await state(orderId)).to.deep.equal(before);
  });

  it("a report listing another patient's result: 422 naming DiagnosticReport.result[0]", async () => {
    const theirs = await order(server, other.patient);
    const created = await server.call('POST', '/Observation', { body: labObservation(other.patient, theirs, 0) });
    expect(created.status, created.text).to.equal(201);
    const mine = await order(server, who.patient);
    const before = await state(mine);
    const bundle = labTransaction(who.patient, mine, 0, {
      report: { result: [{ reference: `Observation/${created.body.id}` }] },
    });
    const reply = await server.call('POST', '', { body: bundle });
    expect(reply.status, reply.text).to.equal(422);
    expect(expressions(reply.body)).to.include('DiagnosticReport.result[0]');
    expect(reply.text).to.match(/another patient/);
    expect(await state(mine)).to.deep.equal(before);
  });

  for (const [what, quantity] of [
    ['a unit that is not UCUM', { value: 5, unit: 'furlongs', system: UCUM, code: 'furlongs' }],
    ['a unit without the UCUM system', { value: 5, unit: 'mg/dL' }],
    ['no unit at all', { value: 5 }],
  ] as const)
    it(`a quantity with ${what}: 422 naming Observation.valueQuantity`, async () => {
      const orderId = await order(server, who.patient);
      const before = await state(orderId);
      const reply = await server.call('POST', '', {
        body: labTransaction(who.patient, orderId, 2, {
          observation: (i) => (i === 1 ? { valueQuantity: quantity } : {}),
        }),
      });
      expect(reply.status, reply.text).to.equal(422);
      expect(expressions(reply.body)).to.include('Observation.valueQuantity');
      expect(await state(orderId)).to.deep.equal(before);
    });

  it('a transaction for an order that does not exist: 422 naming basedOn, nothing written', async () => {
    const orderId = await order(server, who.patient);
    const before = await state(orderId);
    const missing = crypto.randomUUID();
    const reply = await server.call('POST', '', { body: labTransaction(who.patient, missing, 2) });
    expect(reply.status, reply.text).to.equal(422);
    expect(expressions(reply.body)).to.include('Observation.basedOn');
    expect(reply.text).to.include(`ServiceRequest/${missing}`);
    const reportOnly = await server.call('POST', '', { body: labTransaction(who.patient, missing, 0) });
    expect(reportOnly.status, reportOnly.text).to.equal(422);
    expect(expressions(reportOnly.body)).to.include('DiagnosticReport.basedOn');
    expect(await state(orderId)).to.deep.equal(before);
  });

  it('an order that was deleted is not one to report on', async () => {
    const orderId = await order(server, who.patient, { deletedAt: '2026-03-05T00:00:00' });
    const reply = await server.call('POST', '', { body: labTransaction(who.patient, orderId, 1) });
    expect(reply.status, reply.text).to.equal(422);
    expect(expressions(reply.body)).to.include('Observation.basedOn');
  });

  it('a result without its order, without a value, or with an unknown flag or status: 422 naming each', async () => {
    const orderId = await order(server, who.patient);
    const before = await state(orderId);
    const cases: [Record<string, unknown>, string][] = [
      [{ basedOn: undefined }, 'Observation.basedOn'],
      [{ valueQuantity: undefined }, 'Observation.value[x]'],
      [{ valueQuantity: undefined, valueBoolean: true }, 'Observation.valueBoolean'],
      [
        {
          interpretation: [
            { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'XYZ' }] },
          ],
        },
        'Observation.interpretation',
      ],
      [{ status: 'registered' }, 'Observation.status'],
      [
        { valueQuantity: { value: 5, system: UCUM, code: 'mg/dL', comparator: '<' } },
        'Observation.valueQuantity.comparator',
      ],
      [{ referenceRange: [{ low: { value: 1, system: UCUM, code: 'mmol/L' } }] }, 'Observation.referenceRange[0].low'],
    ];
    for (const [change, expression] of cases) {
      const body = { ...labObservation(who.patient, orderId, 0), ...change };
      const reply = await server.call('POST', '/Observation', { body: JSON.parse(JSON.stringify(body)) });
      expect(reply.status, `${expression}: ${reply.text}`).to.be.oneOf([400, 422]);
      expect(expressions(reply.body), reply.text).to.satisfy((list: string[]) =>
        list.some((e) => e.startsWith(expression) || e === expression.replace(/\[x\]$/, '')),
      );
    }
    expect(await state(orderId)).to.deep.equal(before);
  });

  it('a report or order with a status the column cannot hold, or a subject that is not a Patient: 422', async () => {
    const orderId = await order(server, who.patient);
    const before = await state(orderId);
    const report = labTransaction(who.patient, orderId, 0).entry[0]!.resource as Record<string, unknown>;
    const bad = await server.call('POST', '/DiagnosticReport', {
      body: { ...report, subject: { reference: `Practitioner/${who.doctor}` } },
    });
    expect(bad.status, bad.text).to.equal(422);
    expect(bad.text).to.match(/subject is a Patient/);
    const unknown = await server.call('POST', '/DiagnosticReport', { body: { ...report, status: 'unknown' } });
    expect(unknown.status, unknown.text).to.equal(422);
    expect(expressions(unknown.body)).to.include('DiagnosticReport.status');
    const request = await server.call('GET', `/ServiceRequest/${orderId}`);
    const put = await server.call('PUT', `/ServiceRequest/${orderId}`, {
      body: { ...request.body, intent: 'plan' },
    });
    expect(put.status, put.text).to.equal(422);
    expect(expressions(put.body)).to.include('ServiceRequest.intent');
    const moved = await server.call('PUT', `/ServiceRequest/${orderId}`, {
      body: { ...request.body, subject: { reference: `Patient/${other.patient}` } },
    });
    expect(moved.status, moved.text).to.equal(422);
    expect(expressions(moved.body)).to.include('ServiceRequest.subject');
    // a report PUT at a new id cannot land on another row's order
    const elsewhere = crypto.randomUUID();
    const placed = await server.call('PUT', `/DiagnosticReport/${elsewhere}`, { body: { ...report, id: elsewhere } });
    expect(placed.status, placed.text).to.equal(422);
    expect(expressions(placed.body)).to.include('DiagnosticReport.id');
    expect(await state(orderId)).to.deep.equal(before);
  });
});
