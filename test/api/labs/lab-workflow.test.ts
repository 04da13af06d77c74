// A lab's workflow end to end over HTTP (issue 6): it finds the open orders
// (ServiceRequest?status=active), POSTs a transaction of a DiagnosticReport and its Observations
// (urn:uuid references, basedOn the order), and the one lab_tests row is completed; the EHR then
// reads the report with its results (_include=DiagnosticReport:result).
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { people, rowOf, type People } from '../clinical/clinical-fixtures.js';
import { labTransaction, order } from './lab-fixtures.js';

describe('labs › the lab workflow: open orders, a report transaction, the report with its results', function () {
  let server: TestServer;
  let who: People;
  before(async () => {
    server = await startTestServer();
    who = await people(server);
  });
  after(() => server?.stop());

  it('a lab finds the open order, reports 3 results in one transaction, and the EHR reads them back', async () => {
    const orderId = await order(server, who.patient);
    const done = await order(server, who.patient, { status: 'completed', completionDate: '2026-01-01T00:00:00' });

    const open = await server.call('GET', `/ServiceRequest?status=active&patient=${who.patient}`);
    expect(open.status, open.text).to.equal(200);
    const ids = open.body.entry.map((e: any) => e.resource.id);
    expect(ids).to.include(orderId);
    expect(ids).not.to.include(done);

    const countBefore = (await server.sql.query('select count(*)::int as n from lab_tests')).rows[0].n;
    const posted = await server.call('POST', '', { body: labTransaction(who.patient, orderId, 3) });
    expect(posted.status, posted.text).to.equal(200);
    expect(posted.body.entry.map((e: any) => e.response.status)).to.deep.equal([
      '201 Created',
      ...Array(3).fill('201 Created'),
    ]);
    const reportLocation = posted.body.entry[0].response.location as string;
    expect(reportLocation).to.match(new RegExp(`/DiagnosticReport/${orderId}/_history/\\d+$`));

    // the one row, completed with its three results; no other row made
    expect((await server.sql.query('select count(*)::int as n from lab_tests')).rows[0].n).to.equal(countBefore);
    const row = await rowOf(server, 'lab_tests', orderId);
    expect(row.status).to.equal('completed');
    expect(row.completionDate).to.equal('2026-03-03T10:00:00');
    expect(row.sampleCollectionDate).to.equal('2026-03-02T07:30:00');
    expect(row.reportedBy).to.equal('Lee Lab, MLS');
    expect(row.interpretation).to.equal('All results within reference ranges.');
    expect(row.reportPdfUrl).to.equal('https://files.example.org/lab/r.pdf');
    expect(row.orderedBy).to.equal('Dr. Hana Heart');
    expect(row.description).to.equal('Basic metabolic panel - Blood');
    const results = row.testResults as any[];
    expect(results.map((r) => r.id)).to.deep.equal(['r1', 'r2', 'r3']);
    expect(results[1]).to.deep.equal({
      id: 'r2',
      code: '2345-7',
      codeSystem: 'http://loinc.org',
      name: 'Glucose 1',
      value: 91,
      unit: 'mg/dL',
      referenceRange: { low: 70, high: 99 },
      flag: 'N',
      status: 'final',
      observedAt: '2026-03-02T07:30:00Z',
    });

    const read = await server.call(
      'GET',
      `/DiagnosticReport?patient=${who.patient}&_include=DiagnosticReport:result&_id=${orderId}`,
    );
    expect(read.status, read.text).to.equal(200);
    const matches = read.body.entry.filter((e: any) => e.search.mode === 'match');
    const included = read.body.entry.filter((e: any) => e.search.mode === 'include');
    expect(matches.map((e: any) => e.resource.id)).to.deep.equal([orderId]);
    const report = matches[0].resource;
    expect(report.status).to.equal('final');
    expect(report.basedOn).to.deep.equal([{ reference: `ServiceRequest/${orderId}` }]);
    const resultRefs = report.result.map((r: any) => r.reference);
    const observationLocations = posted.body.entry
      .slice(1)
      .map((e: any) => /(Observation\/[^/]+)\/_history/.exec(e.response.location)![1]);
    expect(resultRefs).to.deep.equal(observationLocations);
    expect(included.map((e: any) => `Observation/${e.resource.id}`).sort()).to.deep.equal([...resultRefs].sort());
    for (const e of included) {
      expect(e.resource.subject.reference).to.equal(`Patient/${who.patient}`);
      expect(e.resource.basedOn).to.deep.equal([{ reference: `ServiceRequest/${orderId}` }]);
    }

    const closed = await server.call('GET', `/ServiceRequest/${orderId}`);
    expect(closed.body.status).to.equal('completed');
    const stillOpen = await server.call('GET', `/ServiceRequest?status=active&patient=${who.patient}`);
    expect((stillOpen.body.entry ?? []).map((e: any) => e.resource.id)).not.to.include(orderId);
  });
});
