// DiagnosticReport (laboratory) ⇄ the report of a lab_tests row (http://hl7.org/fhir/R4/diagnosticreport.html):
// the test (testCode, testName), its status, collection (sampleCollectionDate) and report
// (completionDate) times, who reported it (reportedBy, a name), the conclusion (interpretation),
// the PDF (reportPdfUrl), one result per entry of testResults, basedOn the order. Same id as the
// row (D3) and its ServiceRequest.
import type { DiagnosticReport } from 'fhir/r4.js';
import { referenceParam } from './datatypes/clinical-search.js';
import { str } from './datatypes/columns.js';
import { timestampToFhir } from './datatypes/hospital-time.js';
import { LAB_REPORT_CATEGORY, labCode, practitionerNamed, REPORT_STATUS, V2_0074 } from './datatypes/lab-codes.js';
import { reportLookups, reportPlan } from './datatypes/lab-report-write.js';
import { labCodeParam, labStatusParam } from './datatypes/lab-search.js';
import { dateParam, tokenParam } from './params.js';
import { defineMapping, READ_WRITE_INTERACTIONS, type JsonRow } from './types.js';

export const DIAGNOSTIC_REPORT_PROFILE =
  'https://fhir-interop-server.dev/fhir/StructureDefinition/diagnostic-report-lab';
export const US_CORE_DIAGNOSTIC_REPORT_LAB =
  'http://hl7.org/fhir/us/core/StructureDefinition/us-core-diagnosticreport-lab';

/** The Observation ids of a row's results, one per entry (a set-returning SQL expression). */
const RESULT_IDS = `fhir_lab_result_id(lt.id, jsonb_array_elements(case when jsonb_typeof(lt."testResults") = 'array'
  then lt."testResults" else '[]'::jsonb end)->>'id')`;

export const diagnosticReportMapping = defineMapping<DiagnosticReport>({
  resourceType: 'DiagnosticReport',
  profile: DIAGNOSTIC_REPORT_PROFILE,
  conformsTo: [US_CORE_DIAGNOSTIC_REPORT_LAB],
  // result is the row's testResults entries: the Observations
  rowLists: ['result'],
  interactions: READ_WRITE_INTERACTIONS,
  source: { table: 'lab_tests', from: 'lab_tests lt', id: 'lt.id' },
  compartment: { Patient: 'lt."patientId"' },
  summary: [
    'basedOn',
    'status',
    'category',
    'code',
    'subject',
    'effectiveDateTime',
    'issued',
    'performer',
    'resultsInterpreter',
  ],
  slots: [],
  search: {
    patient: referenceParam('http://hl7.org/fhir/SearchParameter/clinical-patient', { Patient: 'lt."patientId"' }),
    subject: referenceParam('http://hl7.org/fhir/SearchParameter/DiagnosticReport-subject', {
      Patient: 'lt."patientId"',
    }),
    code: labCodeParam('http://hl7.org/fhir/SearchParameter/clinical-code', 'lt."testCode"', 'lt."testName"'),
    category: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/DiagnosticReport-category',
      where: ({ system, code }) => ({
        sql: code === 'LAB' && (system === undefined || system === V2_0074) ? 'true' : 'false',
        params: [],
      }),
    }),
    status: labStatusParam('http://hl7.org/fhir/SearchParameter/DiagnosticReport-status', REPORT_STATUS),
    date: dateParam('http://hl7.org/fhir/SearchParameter/clinical-date', 'lt."sampleCollectionDate"', {
      kind: 'timestamp',
    }),
    issued: dateParam('http://hl7.org/fhir/SearchParameter/DiagnosticReport-issued', 'lt."completionDate"', {
      kind: 'timestamp',
    }),
    result: {
      ...referenceParam('http://hl7.org/fhir/SearchParameter/DiagnosticReport-result', { Observation: RESULT_IDS }),
      setValued: true,
      missing: `(jsonb_typeof(lt."testResults") is distinct from 'array' or jsonb_array_length(lt."testResults") = 0)`,
      where({ code, modifier }) {
        const typed = /^(?:Observation\/)?([0-9a-fA-F-]{36})$/.exec(code);
        if (!typed || (modifier !== undefined && modifier !== 'Observation')) return { sql: 'false', params: [] };
        return {
          sql: `exists (select 1 from fhir_lab_result_entries x where x.id = ?::uuid and x.lab_test_id = lt.id
                  and lt."testResults" @> jsonb_build_array(jsonb_build_object('id', x.entry_id)))`,
          params: [typed[1]],
        };
      },
    },
    'based-on': referenceParam('http://hl7.org/fhir/SearchParameter/DiagnosticReport-based-on', {
      ServiceRequest: 'lt.id',
    }),
    performer: referenceParam(
      'http://hl7.org/fhir/SearchParameter/DiagnosticReport-performer',
      { Practitioner: practitionerNamed('lt."reportedBy"') },
      { documentation: 'The Practitioner whose name ("Dr. First Last") is lab_tests.reportedBy.' },
    ),
  },

  read({ lab_tests: row, results }, ctx) {
    const t = (row ?? {}) as JsonRow;
    const status = REPORT_STATUS.render(t.status);
    const effective = timestampToFhir(t.sampleCollectionDate);
    const issued = timestampToFhir(t.completionDate);
    const reporter = str(t.reportedBy) ? [{ display: String(t.reportedBy) }] : undefined;
    const ids = Array.isArray(results) ? (results as string[]) : [];
    return {
      resourceType: 'DiagnosticReport',
      basedOn: [ctx.ref('ServiceRequest', String(t.id))],
      status: status.code,
      ...(status.extension.length ? { _status: { extension: status.extension } } : {}),
      category: [LAB_REPORT_CATEGORY],
      code: labCode(t.testCode, undefined, t.testName, ctx),
      subject: ctx.ref('Patient', String(t.patientId)),
      ...(effective ? { effectiveDateTime: effective } : {}),
      ...(issued ? { issued } : {}),
      ...(reporter ? { performer: reporter, resultsInterpreter: reporter } : {}),
      ...(ids.length ? { result: ids.map((id) => ctx.ref('Observation', id)) } : {}),
      ...(str(t.interpretation) ? { conclusion: String(t.interpretation) } : {}),
      ...(str(t.reportPdfUrl)
        ? { presentedForm: [{ contentType: 'application/pdf', url: String(t.reportPdfUrl) }] }
        : {}),
    } as Omit<DiagnosticReport, 'id' | 'meta'>;
  },

  lookups: (resource) => reportLookups(resource),
  write: (resource, ctx, existing, found) => reportPlan(resource, ctx, existing, found),
  softDelete: { root: { deletedAt: 'now' } },
});
