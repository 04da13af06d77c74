// DiagnosticReport, Observation and ServiceRequest over lab_tests (issue 6): the rows another
// application wrote read as the three resources, every version (D5) follows the columns each one
// renders, writes leave what they do not change alone (D4), and the search parameters of the issue.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { people, putBack, rowOf, type People } from '../clinical/clinical-fixtures.js';
import { labObservation, LOINC, order, UCUM } from './lab-fixtures.js';

const RESULTS = [
  {
    id: 'r1',
    code: '2345-7',
    codeSystem: LOINC,
    name: 'Glucose',
    value: 105,
    unit: 'mg/dL',
    referenceRange: { low: 70, high: 99 },
    flag: 'H',
    status: 'final',
    observedAt: '2026-03-02T07:30:00Z',
  },
  { id: 'r2', code: 'X-CULT', name: 'Culture', value: 'No growth', note: 'Incubated 48 h' },
  { id: 'r3', code: '2951-2', name: 'Sodium', value: 140, unit: 'mmol/L' },
];

describe('labs › DiagnosticReport, Observation and ServiceRequest over lab_tests', function () {
  let server: TestServer;
  let who: People;
  let other: People;
  let reported: string;
  const ids = async (path: string) => {
    const reply = await server.call('GET', path);
    expect(reply.status, reply.text).to.equal(200);
    return (reply.body.entry ?? []).filter((e: any) => e.search?.mode !== 'include').map((e: any) => e.resource.id);
  };
  const resultIds = async (labTest: string) =>
    (
      await server.sql.query('select id from fhir_lab_result_entries where lab_test_id = $1 order by entry_id', [
        labTest,
      ])
    ).rows.map((r) => r.id as string);

  before(async () => {
    server = await startTestServer();
    who = await people(server);
    other = await people(server);
    reported = await order(server, who.patient, {
      status: 'completed',
      sampleCollectionDate: '2026-03-02T07:30:00',
      completionDate: '2026-03-03T10:00:00',
      testResults: RESULTS,
      interpretation: 'Glucose high.',
      reportedBy: 'Lee Lab, MLS',
      reportPdfUrl: 'https://files.example.org/lab/1.pdf',
      notes: 'Fasting sample.',
    });
  });
  after(() => server?.stop());

  it('a row another application wrote reads as its report, its order and one Observation per result', async () => {
    const report = (await server.call('GET', `/DiagnosticReport/${reported}`)).body;
    const obsIds = await resultIds(reported);
    expect(report).to.deep.include({
      resourceType: 'DiagnosticReport',
      id: reported,
      basedOn: [{ reference: `ServiceRequest/${reported}` }],
      status: 'final',
      category: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB', display: 'Laboratory' }] },
      ],
      code: {
        coding: [{ system: LOINC, code: '51990-0', display: 'Basic metabolic panel' }],
        text: 'Basic metabolic panel',
      },
      subject: { reference: `Patient/${who.patient}` },
      effectiveDateTime: '2026-03-02T07:30:00Z',
      issued: '2026-03-03T10:00:00Z',
      performer: [{ display: 'Lee Lab, MLS' }],
      resultsInterpreter: [{ display: 'Lee Lab, MLS' }],
      conclusion: 'Glucose high.',
      presentedForm: [{ contentType: 'application/pdf', url: 'https://files.example.org/lab/1.pdf' }],
    });
    expect(report.result.map((r: any) => r.reference)).to.have.members(obsIds.map((id) => `Observation/${id}`));

    const request = (await server.call('GET', `/ServiceRequest/${reported}`)).body;
    expect(request).to.deep.include({
      status: 'completed',
      intent: 'order',
      orderDetail: [{ text: 'Basic metabolic panel - Blood' }],
      authoredOn: '2026-03-01T08:00:00Z',
      requester: { display: 'Dr. Hana Heart' },
      note: [{ text: 'Fasting sample.' }],
      subject: { reference: `Patient/${who.patient}` },
    });

    const observations = await Promise.all(
      obsIds.map(async (id) => (await server.call('GET', `/Observation/${id}`)).body),
    );
    const byName = Object.fromEntries(observations.map((o) => [o.code.text, o]));
    expect(byName.Glucose).to.deep.include({
      status: 'final',
      basedOn: [{ reference: `ServiceRequest/${reported}` }],
      effectiveDateTime: '2026-03-02T07:30:00Z',
      valueQuantity: { value: 105, unit: 'mg/dL', system: UCUM, code: 'mg/dL' },
      interpretation: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
              code: 'H',
              display: 'High',
            },
          ],
        },
      ],
      referenceRange: [
        {
          low: { value: 70, unit: 'mg/dL', system: UCUM, code: 'mg/dL' },
          high: { value: 99, unit: 'mg/dL', system: UCUM, code: 'mg/dL' },
        },
      ],
    });
    // a code that is not LOINC-shaped is the hospital's own; a text value is valueString
    expect(byName.Culture.code.coding[0].system).to.equal(`${server.config.identifierNamespace}/lab-test-code`);
    expect(byName.Culture.valueString).to.equal('No growth');
    expect(byName.Culture.note).to.deep.equal([{ text: 'Incubated 48 h' }]);
    // no status on the entry: final, as the lab test is completed; no observedAt: the collection time
    expect(byName.Culture.status).to.equal('final');
    expect(byName.Culture.effectiveDateTime).to.equal('2026-03-02T07:30:00Z');
    expect(byName.Sodium.code.coding[0].system).to.equal(LOINC);
  });

  it('each resource put back as read leaves the row as it was (D4)', async () => {
    const before = await rowOf(server, 'lab_tests', reported);
    for (const type of ['DiagnosticReport', 'ServiceRequest']) {
      const { put } = await putBack(server, type, reported);
      expect(put.status, `${type}: ${put.text}`).to.equal(200);
    }
    const glucose = (await resultIds(reported))[0]!;
    const { put } = await putBack(server, 'Observation', glucose);
    expect(put.status, put.text).to.equal(200);
    expect(await rowOf(server, 'lab_tests', reported)).to.deep.equal(before);
  });

  it('versions follow what each renders: a changed result bumps that Observation and the report only when results change', async () => {
    const id = await order(server, who.patient, { status: 'completed', testResults: RESULTS });
    const [r1, r2] = await resultIds(id);
    const version = async (type: string, rid: string) =>
      Number((await server.call('GET', `/${type}/${rid}`)).body.meta.versionId);
    const start = {
      report: await version('DiagnosticReport', id),
      order: await version('ServiceRequest', id),
      r1: await version('Observation', r1!),
      r2: await version('Observation', r2!),
    };
    const changed = RESULTS.map((r) => (r.id === 'r2' ? { ...r, value: 'Growth' } : r));
    await server.sql.query(`update lab_tests set "testResults" = $1 where id = $2`, [JSON.stringify(changed), id]);
    expect(await version('Observation', r2!)).to.equal(start.r2 + 1);
    expect(await version('Observation', r1!)).to.equal(start.r1);
    expect(await version('ServiceRequest', id)).to.equal(start.order);
    expect(await version('DiagnosticReport', id)).to.equal(start.report);
    await server.sql.query(`update lab_tests set notes = 'Call the ward.' where id = $1`, [id]);
    expect(await version('ServiceRequest', id)).to.equal(start.order + 1);
    expect(await version('DiagnosticReport', id)).to.equal(start.report);
    const history = await server.call('GET', `/Observation/${r2}/_history`);
    expect(history.body.entry.map((e: any) => e.resource?.valueString)).to.deep.equal(['Growth', 'No growth']);
    const old = await server.call('GET', `/Observation/${r2}/_history/${start.r2}`);
    expect(old.body.valueString).to.equal('No growth');
    // a column every result renders (the row's status) makes a new version of each
    await server.sql.query(`update lab_tests set status = 'amended' where id = $1`, [id]);
    expect(await version('Observation', r1!)).to.equal(start.r1 + 1);
    expect(await version('Observation', r2!)).to.equal(start.r2 + 2);
    // a result removed from the array is gone (410), its history stays
    await server.sql.query(`update lab_tests set "testResults" = $1 where id = $2`, [JSON.stringify([RESULTS[0]]), id]);
    expect((await server.call('GET', `/Observation/${r2}`)).status).to.equal(410);
    expect((await server.call('GET', `/DiagnosticReport/${id}`)).body.result).to.have.length(1);
  });

  it('ServiceRequest: create makes an order row; update, patch and delete change only the order', async () => {
    const created = await server.call('POST', '/ServiceRequest', {
      body: {
        resourceType: 'ServiceRequest',
        status: 'active',
        intent: 'order',
        code: { coding: [{ system: LOINC, code: '58410-2' }], text: 'Complete blood count (CBC) panel' },
        subject: { reference: `Patient/${who.patient}` },
        authoredOn: '2026-04-01T09:00:00+02:00',
        requester: { reference: `Practitioner/${who.doctor}` },
        note: [{ text: 'Urgent.' }],
      },
    });
    expect(created.status, created.text).to.equal(201);
    const id = created.body.id;
    const row = await rowOf(server, 'lab_tests', id);
    expect(row).to.deep.include({
      patientId: who.patient,
      testName: 'Complete blood count (CBC) panel',
      testCode: '58410-2',
      status: 'ordered',
      description: 'Complete blood count (CBC) panel',
      orderedBy: 'Dr. Hana Heart',
      orderedDate: '2026-04-01T07:00:00',
      notes: 'Urgent.',
      testResults: null,
    });
    // the requester reference is kept beside the row and found by the requester search
    expect(created.body.requester).to.deep.equal({
      reference: `Practitioner/${who.doctor}`,
      display: 'Dr. Hana Heart',
    });
    expect(await ids(`/ServiceRequest?requester=Practitioner/${who.doctor}&_id=${id}`)).to.deep.equal([id]);
    // its report exists at once, registered
    expect((await server.call('GET', `/DiagnosticReport/${id}`)).body.status).to.equal('registered');

    const patched = await server.call('PATCH', `/ServiceRequest/${id}`, {
      raw: JSON.stringify([{ op: 'replace', path: '/status', value: 'revoked' }]),
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expect(patched.status, patched.text).to.equal(200);
    expect((await rowOf(server, 'lab_tests', id)).status).to.equal('cancelled');
    const deleted = await server.call('DELETE', `/ServiceRequest/${id}`);
    expect(deleted.status).to.be.oneOf([200, 204]);
    expect((await server.call('GET', `/ServiceRequest/${id}`)).status).to.equal(410);
    expect((await rowOf(server, 'lab_tests', id)).deletedAt).to.be.a('string');
  });

  it('Observation: a POST basedOn an order adds an entry; an update replaces only that entry', async () => {
    const id = await order(server, who.patient, { testResults: [RESULTS[1]] });
    const created = await server.call('POST', '/Observation', { body: labObservation(who.patient, id, 7) });
    expect(created.status, created.text).to.equal(201);
    const row = await rowOf(server, 'lab_tests', id);
    expect((row.testResults as any[]).map((r) => r.id)).to.deep.equal(['r2', 'r3']);
    const updated = await server.call('PUT', `/Observation/${created.body.id}`, {
      body: {
        ...created.body,
        valueQuantity: { value: 6.1, unit: 'mmol/L', system: UCUM, code: 'mmol/L' },
        referenceRange: undefined,
      },
    });
    expect(updated.status, updated.text).to.equal(200);
    const after = (await rowOf(server, 'lab_tests', id)).testResults as any[];
    expect(after[0]).to.deep.equal(RESULTS[1]);
    expect(after[1]).to.deep.include({ id: 'r3', value: 6.1, unit: 'mmol/L' });
    expect(after[1].referenceRange).to.equal(undefined);
    // a DELETE takes the one entry out of the array; the row, its report and the other results stay
    const extra = await server.call('POST', '/Observation', { body: labObservation(who.patient, id, 8) });
    expect(extra.status, extra.text).to.equal(201);
    const removed = await server.call('DELETE', `/Observation/${extra.body.id}`);
    expect(removed.status).to.be.oneOf([200, 204]);
    expect((await server.call('GET', `/Observation/${extra.body.id}`)).status).to.equal(410);
    expect((await rowOf(server, 'lab_tests', id)).testResults).to.deep.equal(after);
    expect((await server.call('GET', `/DiagnosticReport/${id}`)).body.result).to.have.length(2);
    // a DiagnosticReport PUT keeps the order's columns and results
    const report = (await server.call('GET', `/DiagnosticReport/${id}`)).body;
    const put = await server.call('PUT', `/DiagnosticReport/${id}`, {
      body: { ...report, status: 'preliminary', conclusion: 'Pending review.' },
    });
    expect(put.status, put.text).to.equal(200);
    const final = await rowOf(server, 'lab_tests', id);
    expect(final).to.deep.include({
      status: 'preliminary',
      interpretation: 'Pending review.',
      orderedBy: 'Dr. Hana Heart',
    });
    expect(final.testResults).to.deep.equal(after);
  });

  describe('status tables both ways (profiles/ConceptMap-diagnostic-report-status.json, service-request-status.json)', () => {
    const table: [string | null, string, string][] = [
      ['ordered', 'registered', 'active'],
      ['collected', 'registered', 'active'],
      ['in_progress', 'partial', 'active'],
      ['completed', 'final', 'completed'],
      ['amended', 'amended', 'completed'],
      ['cancelled', 'cancelled', 'revoked'],
      ['lost-in-transit', 'unknown', 'unknown'],
      [null, 'registered', 'active'],
    ];
    for (const [column, report, request] of table)
      it(`${column ?? 'NULL'} reads as report ${report} and order ${request}; a round trip keeps the row`, async () => {
        const id = await order(server, who.patient, { status: column });
        const before = await rowOf(server, 'lab_tests', id);
        for (const [type, code] of [
          ['DiagnosticReport', report],
          ['ServiceRequest', request],
        ] as const) {
          const { read, put } = await putBack(server, type, id);
          expect(read.body.status, type).to.equal(code);
          // unknown keeps the exact value in source-status, so it round-trips too
          expect(put.status, `${type}: ${put.text}`).to.equal(200);
        }
        const after = await rowOf(server, 'lab_tests', id);
        expect(after).to.deep.equal(column === null ? { ...before, status: 'ordered' } : before);
      });

    for (const [code, column] of [
      ['registered', 'ordered'],
      ['partial', 'in_progress'],
      ['final', 'completed'],
      ['cancelled', 'cancelled'],
    ])
      it(`a report written as ${code} stores ${column}`, async () => {
        const id = await order(server, who.patient, { status: 'amended' });
        const report = (await server.call('GET', `/DiagnosticReport/${id}`)).body;
        const put = await server.call('PUT', `/DiagnosticReport/${id}`, { body: { ...report, status: code } });
        expect(put.status, put.text).to.equal(200);
        expect((await rowOf(server, 'lab_tests', id)).status).to.equal(column);
      });
  });

  describe('search (the parameters of issue 6, compiled to SQL)', () => {
    let second: string;
    before(async () => {
      second = await order(server, other.patient, {
        testName: 'Complete blood count (CBC) panel',
        testCode: '58410-2',
        status: 'in_progress',
        sampleCollectionDate: '2026-05-10T06:00:00',
        testResults: [
          {
            id: 'r1',
            code: '718-7',
            codeSystem: LOINC,
            name: 'Hemoglobin',
            value: 12.1,
            unit: 'g/dL',
            status: 'preliminary',
          },
        ],
        reportedBy: 'Dr. Hana Heart',
      });
    });

    it('DiagnosticReport: patient, subject, code, category, status, date, issued, result, based-on, performer', async () => {
      const [glucose] = await resultIds(reported);
      const both = [reported, second].sort();
      const within = (path: string) => ids(`${path}&_id=${both.join(',')}`);
      expect(await within(`/DiagnosticReport?patient=${who.patient}`)).to.deep.equal([reported]);
      expect(await within(`/DiagnosticReport?subject=Patient/${other.patient}`)).to.deep.equal([second]);
      expect(await within(`/DiagnosticReport?code=${LOINC}|58410-2`)).to.deep.equal([second]);
      expect(await within(`/DiagnosticReport?code=http://example.org|58410-2`)).to.deep.equal([]);
      expect((await within(`/DiagnosticReport?category=LAB`)).sort()).to.deep.equal(both);
      expect(await within(`/DiagnosticReport?status=partial`)).to.deep.equal([second]);
      expect(await within(`/DiagnosticReport?status=final`)).to.deep.equal([reported]);
      expect(await within(`/DiagnosticReport?date=ge2026-05-01`)).to.deep.equal([second]);
      expect(await within(`/DiagnosticReport?issued=2026-03-03`)).to.deep.equal([reported]);
      expect(await within(`/DiagnosticReport?result=Observation/${glucose}`)).to.deep.equal([reported]);
      expect(await within(`/DiagnosticReport?based-on=ServiceRequest/${second}`)).to.deep.equal([second]);
      expect(await within(`/DiagnosticReport?performer=Practitioner/${who.doctor}`)).to.deep.equal([second]);
      expect(await within(`/DiagnosticReport?result.code=718-7`)).to.deep.equal([second]);
      expect(await within(`/DiagnosticReport?result:missing=true`)).to.deep.equal([]);
    });

    it('Observation: patient, subject, code, category, date, status, value-quantity', async () => {
      const all = [...(await resultIds(reported)), ...(await resultIds(second))];
      const within = (path: string) => ids(`${path}&_id=${all.join(',')}`);
      const [hemoglobin] = await resultIds(second);
      expect(await within(`/Observation?patient=${other.patient}`)).to.deep.equal([hemoglobin]);
      expect(await within(`/Observation?subject=Patient/${other.patient}`)).to.deep.equal([hemoglobin]);
      expect(await within(`/Observation?code=${LOINC}|718-7`)).to.deep.equal([hemoglobin]);
      expect((await within(`/Observation?category=laboratory`)).length).to.equal(all.length);
      expect(await within(`/Observation?date=2026-05-10`)).to.deep.equal([hemoglobin]);
      expect(await within(`/Observation?status=preliminary`)).to.deep.equal([hemoglobin]);
      expect(await within(`/Observation?value-quantity=gt100|${UCUM}|mg/dL`)).to.have.length(1);
      expect(await within(`/Observation?value-quantity=gt100|${UCUM}|g/dL`)).to.deep.equal([]);
      expect(await within(`/Observation?value-quantity=12.1`)).to.deep.equal([hemoglobin]);
      expect(await within(`/Observation?based-on=ServiceRequest/${second}`)).to.deep.equal([hemoglobin]);
    });

    it('ServiceRequest: patient, status, authored, code, requester', async () => {
      const both = [reported, second];
      const within = (path: string) => ids(`${path}&_id=${both.join(',')}`);
      expect(await within(`/ServiceRequest?patient=${who.patient}`)).to.deep.equal([reported]);
      expect(await within(`/ServiceRequest?status=active`)).to.deep.equal([second]);
      expect(await within(`/ServiceRequest?status=completed`)).to.deep.equal([reported]);
      expect((await within(`/ServiceRequest?authored=2026-03-01`)).length).to.equal(2);
      expect(await within(`/ServiceRequest?code=51990-0`)).to.deep.equal([reported]);
      expect((await within(`/ServiceRequest?requester=Practitioner/${who.doctor}`)).length).to.equal(2);
    });

    it('_include, _revinclude and the Patient compartment reach the results and the orders', async () => {
      const report = await server.call(
        'GET',
        `/DiagnosticReport?_id=${second}&_include=DiagnosticReport:result&_include=DiagnosticReport:based-on`,
      );
      const types = report.body.entry.map((e: any) => `${e.resource.resourceType}:${e.search.mode}`);
      expect(types.sort()).to.deep.equal(['DiagnosticReport:match', 'Observation:include', 'ServiceRequest:include']);
      const [hemoglobin] = await resultIds(second);
      const rev = await server.call('GET', `/Observation?_id=${hemoglobin}&_revinclude=DiagnosticReport:result`);
      expect(rev.status, rev.text).to.equal(200);
      expect(rev.body.entry.map((e: any) => e.resource.id)).to.deep.equal([hemoglobin, second]);
      const compartment = await server.call('GET', `/Patient/${other.patient}/DiagnosticReport`);
      expect(compartment.status, compartment.text).to.equal(200);
      expect(compartment.body.entry.map((e: any) => e.resource.id)).to.deep.equal([second]);
      const observations = await server.call('GET', `/Patient/${other.patient}/Observation`);
      expect(observations.body.entry.map((e: any) => e.resource.id)).to.deep.equal([hemoglobin]);
    });
  });

  it('the CapabilityStatement declares ours and the US Core 3.1.1 lab profiles', async () => {
    const cs = (await server.call('GET', '/metadata')).body;
    const of = (type: string) => cs.rest[0].resource.find((r: any) => r.type === type);
    expect(of('DiagnosticReport').supportedProfile).to.deep.equal([
      'https://fhir-interop-server.dev/fhir/StructureDefinition/diagnostic-report-lab',
      'http://hl7.org/fhir/us/core/StructureDefinition/us-core-diagnosticreport-lab',
    ]);
    expect(of('Observation').supportedProfile).to.include(
      'http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-lab',
    );
    expect(of('DiagnosticReport').searchInclude).to.include('DiagnosticReport:result');
    expect(of('Observation').searchRevInclude).to.include('DiagnosticReport:result');
  });
});
