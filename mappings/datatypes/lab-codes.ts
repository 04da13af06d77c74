// The codes and systems of lab tests (lab_tests) as DiagnosticReport, ServiceRequest and
// Observation: the status tables both ways (profiles/ConceptMap-diagnostic-report-status.json,
// ConceptMap-service-request-status.json), the result flags, categories and test codes.
import type { CodeableConcept, DiagnosticReport, ServiceRequest } from 'fhir/r4.js';
import type { MapContext } from '../types.js';
import { statusTable } from './status-maps.js';

export const V2_0074 = 'http://terminology.hl7.org/CodeSystem/v2-0074';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
export const SNOMED = 'http://snomed.info/sct';
export const US_CORE_OBSERVATION_LAB = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-lab';

export const LAB_REPORT_CATEGORY: CodeableConcept = {
  coding: [{ system: V2_0074, code: 'LAB', display: 'Laboratory' }],
};
export const LAB_OBSERVATION_CATEGORY: CodeableConcept = {
  coding: [{ system: OBSERVATION_CATEGORY, code: 'laboratory', display: 'Laboratory' }],
};
export const LAB_ORDER_CATEGORY: CodeableConcept = {
  coding: [{ system: SNOMED, code: '108252007', display: 'Laboratory procedure' }],
};

/** lab_tests.status ⇄ DiagnosticReport.status; the first value of a code is the one a write stores. */
export const REPORT_STATUS = statusTable<DiagnosticReport['status']>({
  toFhir: {
    ordered: 'registered',
    collected: 'registered',
    in_progress: 'partial',
    'in-progress': 'partial',
    preliminary: 'preliminary',
    completed: 'final',
    final: 'final',
    amended: 'amended',
    corrected: 'corrected',
    appended: 'appended',
    cancelled: 'cancelled',
    'entered-in-error': 'entered-in-error',
  },
  fallback: 'unknown',
  nullValue: 'ordered',
});

/** lab_tests.status ⇄ ServiceRequest.status (the order's state). */
export const ORDER_STATUS = statusTable<ServiceRequest['status']>({
  toFhir: {
    ordered: 'active',
    collected: 'active',
    in_progress: 'active',
    'in-progress': 'active',
    preliminary: 'active',
    completed: 'completed',
    final: 'completed',
    amended: 'completed',
    corrected: 'completed',
    appended: 'completed',
    cancelled: 'revoked',
    draft: 'draft',
    on_hold: 'on-hold',
    'on-hold': 'on-hold',
    'entered-in-error': 'entered-in-error',
  },
  fallback: 'unknown',
  nullValue: 'ordered',
});

/**
 * The column value a write stores for a status code: the row's own value when it already reads
 * as that code (a report written on an order collected keeps `collected`), else the table's.
 */
export function statusColumn(
  table: typeof REPORT_STATUS | typeof ORDER_STATUS,
  code: string | undefined,
  extension: Parameters<typeof REPORT_STATUS.column>[1],
  current: unknown,
): string | undefined {
  if (code === undefined) return undefined;
  const exact = table.column(code, extension);
  if (typeof current === 'string' && table.render(current).code === code && !extension?.length) return current;
  return exact;
}

/** testResults[].flag: the v3 ObservationInterpretation codes of the same name. */
export const RESULT_FLAGS = ['N', 'L', 'H', 'LL', 'HH', 'A', 'AA', 'POS', 'NEG'] as const;
export type ResultFlag = (typeof RESULT_FLAGS)[number];
export const FLAG_DISPLAY: Record<ResultFlag, string> = {
  N: 'Normal',
  L: 'Low',
  H: 'High',
  LL: 'Critical low',
  HH: 'Critical high',
  A: 'Abnormal',
  AA: 'Critical abnormal',
  POS: 'Positive',
  NEG: 'Negative',
};

/** testResults[].status: the Observation status codes of the same name. */
export const RESULT_STATUSES = ['preliminary', 'final', 'amended', 'corrected', 'cancelled'] as const;

const LOINC_CODE = /^\d{1,7}-\d$/;

/** The system of a code the row gives without one: the lab code system for LOINC-shaped codes, else the hospital's own. */
export const codeSystemOf = (code: string, ctx: MapContext) =>
  LOINC_CODE.test(code) ? ctx.labCodeSystem : ctx.identifierSystem('lab-test-code');

/** A test or analyte as a CodeableConcept: its code (when the row has one) and its name. */
export function labCode(code: unknown, system: unknown, name: unknown, ctx: MapContext): CodeableConcept {
  const text = typeof name === 'string' && name !== '' ? name : undefined;
  if (typeof code !== 'string' || code === '') return { ...(text ? { text } : {}) };
  const codeSystem = typeof system === 'string' && system !== '' ? system : codeSystemOf(code, ctx);
  return { coding: [{ system: codeSystem, code, ...(text ? { display: text } : {}) }], ...(text ? { text } : {}) };
}

/** The code, its system and the name of a CodeableConcept as a write stores them. */
export function codeOf(
  concept: CodeableConcept | undefined,
  ctx: MapContext,
): { code?: string; system?: string; name?: string } {
  const codings = concept?.coding ?? [];
  const coding =
    codings.find((c) => c.system === ctx.labCodeSystem && c.code) ??
    codings.find((c) => c.system === ctx.identifierSystem('lab-test-code') && c.code) ??
    codings.find((c) => c.code);
  const name = concept?.text ?? coding?.display ?? codings.find((c) => c.display)?.display;
  return {
    ...(coding?.code ? { code: coding.code } : {}),
    ...(coding?.system ? { system: coding.system } : {}),
    ...(name ? { name } : {}),
  };
}

/** The Practitioner whose name the SQL text column holds (the hospital writes "Dr. First Last"). */
export const practitionerNamed = (column: string) =>
  `(select d.id from doctors d join users u on u.id = d."userId"
     where ${column} in ('Dr. ' || u."firstName" || ' ' || u."lastName", u."firstName" || ' ' || u."lastName")
     order by d."createdAt" limit 1)`;
