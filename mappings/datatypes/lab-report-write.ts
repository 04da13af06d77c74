// DiagnosticReport → the report columns of a lab_tests row. A report basedOn an order fills that
// order's row (WritePlan.into: the report takes the row's id); one without makes a new row. Its
// results must be Observations of that same lab test (added first, basedOn the order).
import type { DiagnosticReport } from 'fhir/r4.js';
import type { JsonRow, MapContext, Snapshot, SqlCondition, WritePlan, WriteProblem } from '../types.js';
import { parseReference } from './clinical-search.js';
import { fits } from './columns.js';
import { fhirToTimestamp } from './hospital-time.js';
import { codeOf, REPORT_STATUS, statusColumn } from './lab-codes.js';
import { ORDER_LOOKUP, orderOf } from './lab-result-write.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The Observation ids of the report's results, in order (undefined where a reference is not one). */
const resultIds = (resource: DiagnosticReport) =>
  (resource.result ?? []).map((r) => {
    const parsed = r.reference ? parseReference(r.reference) : undefined;
    return parsed && (parsed.type === undefined || parsed.type === 'Observation') && UUID.test(parsed.id)
      ? parsed.id
      : undefined;
  });

export function reportLookups(resource: DiagnosticReport): Record<string, SqlCondition> {
  const lookups: Record<string, SqlCondition> = {};
  const order = orderOf(resource);
  if (order) lookups.order = { sql: ORDER_LOOKUP, params: [order] };
  const ids = resultIds(resource).filter((id): id is string => id !== undefined);
  if (ids.length)
    lookups.results = {
      sql: `select x.id, x.lab_test_id, t."patientId",
               (jsonb_typeof(t."testResults") = 'array' and t."testResults" @> jsonb_build_array(jsonb_build_object('id', x.entry_id))) as present
             from fhir_lab_result_entries x join lab_tests t on t.id = x.lab_test_id
            where x.id = any(?::uuid[]) and t."deletedAt" is null`,
      params: [`{${ids.join(',')}}`],
    };
  return lookups;
}

export function reportPlan(
  resource: DiagnosticReport,
  ctx: MapContext,
  existing: Snapshot | undefined,
  found: Readonly<Record<string, JsonRow[]>> = {},
): WritePlan {
  const problems: WriteProblem[] = [];
  const references: NonNullable<WritePlan['references']> = [];
  const order = orderOf(resource);
  const current = (existing?.lab_tests as JsonRow | undefined) ?? found.order?.[0];
  const subject = resource.subject?.reference ? parseReference(resource.subject.reference) : undefined;
  if (!subject || (subject.type !== undefined && subject.type !== 'Patient'))
    problems.push({ expression: 'DiagnosticReport.subject', diagnostics: 'the subject must be a Patient' });
  else references.push({ expression: 'DiagnosticReport.subject', type: 'Patient', id: subject.id });
  if (order && !existing && !found.order?.length)
    problems.push({
      expression: 'DiagnosticReport.basedOn',
      diagnostics: `ServiceRequest/${order} is not a lab order of this server`,
    });
  else if (resource.basedOn?.length && !order)
    problems.push({ expression: 'DiagnosticReport.basedOn', diagnostics: 'a lab report is basedOn a ServiceRequest' });
  else if (existing && order && order !== String(current?.id))
    problems.push({ expression: 'DiagnosticReport.basedOn', diagnostics: 'a report cannot move to another order' });
  if (current && subject && String(current.patientId) !== subject.id)
    problems.push({
      expression: 'DiagnosticReport.subject',
      diagnostics: `the order ServiceRequest/${String(current.id)} is of another patient`,
    });
  const rowId = current ? String(current.id) : undefined;
  const found_ = new Map((found.results ?? []).map((r) => [String(r.id), r]));
  resultIds(resource).forEach((id, i) => {
    const at = `DiagnosticReport.result[${i}]`;
    const result = id ? found_.get(id) : undefined;
    if (!result || !result.present)
      problems.push({
        expression: at,
        diagnostics: `${resource.result?.[i]?.reference} is not a lab result of this server`,
      });
    else if (subject && String(result.patientId) !== subject.id)
      problems.push({ expression: at, diagnostics: `${resource.result?.[i]?.reference} is of another patient` });
    else if (String(result.lab_test_id) !== rowId)
      problems.push({
        expression: at,
        diagnostics: `${resource.result?.[i]?.reference} is a result of another lab test: results join the report's order (Observation.basedOn)`,
      });
  });
  const category = (resource.category ?? []).flatMap((c) => c.coding ?? []);
  if (category.length && !category.some((c) => c.code === 'LAB'))
    problems.push({ expression: 'DiagnosticReport.category', diagnostics: 'lab reports are of the category LAB' });
  const status = statusColumn(REPORT_STATUS, resource.status, resource._status?.extension, current?.status);
  if (status === undefined)
    problems.push({
      expression: 'DiagnosticReport.status',
      diagnostics: `the status ${resource.status} has no lab_tests.status value`,
    });
  const { code, name } = codeOf(resource.code, ctx);
  if (!name && !code)
    problems.push({
      expression: 'DiagnosticReport.code',
      diagnostics: 'the test needs a name (code.text or a display)',
    });
  if (resource.effectivePeriod)
    problems.push({
      expression: 'DiagnosticReport.effectivePeriod',
      diagnostics: 'lab_tests holds one collection time: send effectiveDateTime',
    });
  const collected = fhirToTimestamp(resource.effectiveDateTime);
  const completed = fhirToTimestamp(resource.issued);
  if (collected === undefined)
    problems.push({ expression: 'DiagnosticReport.effectiveDateTime', diagnostics: 'a time needs a time zone' });
  if (completed === undefined)
    problems.push({ expression: 'DiagnosticReport.issued', diagnostics: 'issued needs a time zone' });
  const performer = resource.performer?.[0]?.display;
  const interpreter = resource.resultsInterpreter?.[0]?.display;
  if (performer && interpreter && performer !== interpreter)
    problems.push({
      expression: 'DiagnosticReport.resultsInterpreter',
      diagnostics: 'performer and resultsInterpreter are both lab_tests.reportedBy: they must name the same person',
    });
  const pdf = resource.presentedForm?.find((f) => f.url)?.url;
  const testName = name ?? code ?? '';
  return {
    root: {
      patientId: subject?.id,
      testName: fits(problems, 'DiagnosticReport.code', testName, 200),
      testCode: fits(problems, 'DiagnosticReport.code', code, 50),
      status,
      ...(current ? {} : { description: testName, orderedDate: collected ?? new Date().toISOString().slice(0, 23) }),
      sampleCollectionDate: collected ?? null,
      completionDate: completed ?? null,
      interpretation: resource.conclusion ?? null,
      reportedBy: fits(problems, 'DiagnosticReport.performer', performer ?? interpreter, 100),
      reportPdfUrl: fits(problems, 'DiagnosticReport.presentedForm', pdf, 500),
    },
    ...(!existing && current ? { into: { rowId: String(current.id) } } : {}),
    problems,
    references,
  };
}
