// ServiceRequest ⇄ the order of a lab_tests row (http://hl7.org/fhir/R4/servicerequest.html): what
// was ordered (testCode, testName, description), for whom, by whom (orderedBy, a name), when
// (orderedDate), notes and the order's state. Same id as the row and its DiagnosticReport (D3).
import type { ServiceRequest } from 'fhir/r4.js';
import { parseReference, referenceParam } from './datatypes/clinical-search.js';
import { fits, str } from './datatypes/columns.js';
import { fhirToTimestamp, timestampToFhir } from './datatypes/hospital-time.js';
import {
  codeOf,
  LAB_ORDER_CATEGORY,
  labCode,
  ORDER_STATUS,
  practitionerNamed,
  statusColumn,
} from './datatypes/lab-codes.js';
import { labCodeParam, labStatusParam } from './datatypes/lab-search.js';
import { dateParam } from './params.js';
import {
  defineMapping,
  READ_WRITE_INTERACTIONS,
  type JsonRow,
  type SqlCondition,
  type WritePlan,
  type WriteProblem,
} from './types.js';

export const SERVICE_REQUEST_PROFILE = 'https://fhir-interop-server.dev/fhir/StructureDefinition/service-request';

const practitionerName = `select 'Dr. ' || u."firstName" || ' ' || u."lastName" as name
  from doctors d join users u on u.id = d."userId" where d.id = ?::uuid and d."deletedAt" is null`;

export const serviceRequestMapping = defineMapping<ServiceRequest>({
  resourceType: 'ServiceRequest',
  profile: SERVICE_REQUEST_PROFILE,
  interactions: READ_WRITE_INTERACTIONS,
  source: { table: 'lab_tests', from: 'lab_tests lt', id: 'lt.id' },
  compartment: { Patient: 'lt."patientId"' },
  summary: ['status', 'intent', 'category', 'code', 'orderDetail', 'subject', 'authoredOn', 'requester'],
  slots: [],
  search: {
    patient: referenceParam('http://hl7.org/fhir/SearchParameter/clinical-patient', { Patient: 'lt."patientId"' }),
    subject: referenceParam('http://hl7.org/fhir/SearchParameter/ServiceRequest-subject', {
      Patient: 'lt."patientId"',
    }),
    status: labStatusParam('http://hl7.org/fhir/SearchParameter/ServiceRequest-status', ORDER_STATUS),
    authored: dateParam('http://hl7.org/fhir/SearchParameter/ServiceRequest-authored', 'lt."orderedDate"', {
      kind: 'timestamp',
    }),
    code: labCodeParam('http://hl7.org/fhir/SearchParameter/clinical-code', 'lt."testCode"', 'lt."testName"'),
    requester: referenceParam(
      'http://hl7.org/fhir/SearchParameter/ServiceRequest-requester',
      { Practitioner: practitionerNamed('lt."orderedBy"') },
      { documentation: 'The Practitioner whose name ("Dr. First Last") is lab_tests.orderedBy.' },
    ),
  },

  read({ lab_tests: row }, ctx) {
    const t = (row ?? {}) as JsonRow;
    const status = ORDER_STATUS.render(t.status);
    const authored = timestampToFhir(t.orderedDate);
    return {
      resourceType: 'ServiceRequest',
      status: status.code,
      ...(status.extension.length ? { _status: { extension: status.extension } } : {}),
      intent: 'order',
      category: [LAB_ORDER_CATEGORY],
      code: labCode(t.testCode, undefined, t.testName, ctx),
      ...(str(t.description) ? { orderDetail: [{ text: String(t.description) }] } : {}),
      subject: ctx.ref('Patient', String(t.patientId)),
      ...(authored ? { authoredOn: authored } : {}),
      ...(str(t.orderedBy) ? { requester: { display: String(t.orderedBy) } } : {}),
      ...(str(t.notes) ? { note: [{ text: String(t.notes) }] } : {}),
    } as Omit<ServiceRequest, 'id' | 'meta'>;
  },

  lookups(resource): Record<string, SqlCondition> {
    const requester = resource.requester?.reference ? parseReference(resource.requester.reference) : undefined;
    return requester?.type === 'Practitioner' ? { requester: { sql: practitionerName, params: [requester.id] } } : {};
  },

  write(resource, ctx, existing, found = {}) {
    const problems: WriteProblem[] = [];
    const references: NonNullable<WritePlan['references']> = [];
    const current = existing?.lab_tests as JsonRow | undefined;
    const subject = resource.subject?.reference ? parseReference(resource.subject.reference) : undefined;
    if (!subject || (subject.type !== undefined && subject.type !== 'Patient'))
      problems.push({ expression: 'ServiceRequest.subject', diagnostics: 'the subject must be a Patient' });
    else if (current && String(current.patientId) !== subject.id)
      problems.push({
        expression: 'ServiceRequest.subject',
        diagnostics: 'a lab order cannot move to another patient',
      });
    else references.push({ expression: 'ServiceRequest.subject', type: 'Patient', id: subject.id });
    if (resource.intent !== 'order')
      problems.push({
        expression: 'ServiceRequest.intent',
        diagnostics: `intent ${resource.intent} has no place in lab_tests: a lab test is an order`,
      });
    const status = statusColumn(ORDER_STATUS, resource.status, resource._status?.extension, current?.status);
    if (status === undefined)
      problems.push({
        expression: 'ServiceRequest.status',
        diagnostics: `the status ${resource.status} has no lab_tests.status value`,
      });
    const { code, name } = codeOf(resource.code, ctx);
    if (!name && !code)
      problems.push({
        expression: 'ServiceRequest.code',
        diagnostics: 'the test needs a name (code.text or a display)',
      });
    const orderedDate = fhirToTimestamp(resource.authoredOn);
    if (!resource.authoredOn || !orderedDate)
      problems.push({
        expression: 'ServiceRequest.authoredOn',
        diagnostics: 'authoredOn is required, with a time zone (lab_tests.orderedDate NOT NULL)',
      });
    const requester = resource.requester?.reference ? parseReference(resource.requester.reference) : undefined;
    if (requester && requester.type !== 'Practitioner')
      problems.push({ expression: 'ServiceRequest.requester', diagnostics: 'the requester must be a Practitioner' });
    else if (requester && !found.requester?.length)
      problems.push({
        expression: 'ServiceRequest.requester',
        diagnostics: `${resource.requester?.reference} is not a Practitioner of this server`,
      });
    const orderedBy = resource.requester?.display ?? (found.requester?.[0]?.name as string | undefined);
    const testName = name ?? code!;
    const description = resource.orderDetail?.[0]?.text ?? (current ? undefined : testName);
    return {
      root: {
        patientId: subject?.id,
        testName: fits(problems, 'ServiceRequest.code', testName, 200),
        testCode: fits(problems, 'ServiceRequest.code', code, 50),
        status,
        ...(description !== undefined ? { description } : {}),
        orderedBy: fits(problems, 'ServiceRequest.requester', orderedBy, 100),
        orderedDate,
        notes: resource.note?.[0]?.text ?? null,
      },
      problems,
      references,
    };
  },
  softDelete: { root: { deletedAt: 'now' } },
});
