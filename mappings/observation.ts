// Observation (laboratory) ⇄ one entry of lab_tests.testResults (http://hl7.org/fhir/R4/observation.html):
// the analyte's code, value (UCUM quantity or text), reference range, flag, status and time, for the
// patient of the lab test, basedOn its order. The id is derived from the row id and the entry's
// stable id (D3, fhir_lab_result_id). Vital signs from patients' columns are to be further
// sources of this type (the second half); this mapping is the laboratory category's.
import type { Observation, ObservationReferenceRange, Quantity } from 'fhir/r4.js';
import type { LabTestResult } from '../src/db/jsonb/shapes.js';
import { referenceParam } from './datatypes/clinical-search.js';
import { timestampToFhir } from './datatypes/hospital-time.js';
import {
  FLAG_DISPLAY,
  INTERPRETATION,
  LAB_OBSERVATION_CATEGORY,
  labCode,
  OBSERVATION_CATEGORY,
} from './datatypes/lab-codes.js';
import { resultLookups, resultPlan } from './datatypes/lab-result-write.js';
import { labCodeParam } from './datatypes/lab-search.js';
import { isUcumUnit, UCUM } from './datatypes/ucum.js';
import { dateParam, numberParam, tokenParam } from './params.js';
import { defineMapping, READ_WRITE_INTERACTIONS, type JsonRow, type SearchParamDefinition } from './types.js';

export const OBSERVATION_PROFILE = 'https://fhir-interop-server.dev/fhir/StructureDefinition/observation-lab';
export const US_CORE_OBSERVATION_LAB = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-lab';

const field = (name: string) => `(r.item->>'${name}')`;
const NUMERIC_VALUE = `(case when jsonb_typeof(r.item->'value') = 'number' then (r.item->>'value')::numeric end)`;

function quantity(value: number, unit: string | undefined): Quantity {
  if (unit === undefined) return { value, system: UCUM, code: '1' };
  return isUcumUnit(unit) ? { value, unit, system: UCUM, code: unit } : { value, unit };
}

/** value-quantity: `[prefix]number[|system|code]`, over numeric values; a unit must be the entry's. */
const valueQuantity: SearchParamDefinition = {
  ...numberParam('http://hl7.org/fhir/SearchParameter/Observation-value-quantity', NUMERIC_VALUE),
  type: 'quantity',
  where({ raw, ...rest }, ctx) {
    const [number = '', system = '', code = ''] = raw.split('|');
    const compared = numberParam('', NUMERIC_VALUE).where({ ...rest, raw: number, code: number }, ctx);
    if (system && system !== UCUM) return { sql: 'false', params: [] };
    if (!code) return compared;
    const unit = code === '1' ? `${field('unit')} is null` : `${field('unit')} = ?`;
    return { sql: `(${compared.sql} and ${unit})`, params: [...compared.params, ...(code === '1' ? [] : [code])] };
  },
};

export const observationMapping = defineMapping<Observation>({
  resourceType: 'Observation',
  profile: OBSERVATION_PROFILE,
  conformsTo: [US_CORE_OBSERVATION_LAB],
  interactions: READ_WRITE_INTERACTIONS,
  source: {
    table: 'lab_tests',
    entries: { column: 'testResults', key: 'id', keyPrefix: 'r', idFunction: 'fhir_lab_result_id' },
    from: `fhir_lab_result_entries x join lab_tests lt on lt.id = x.lab_test_id
      cross join lateral (select e.item from jsonb_array_elements(case when jsonb_typeof(lt."testResults") = 'array'
        then lt."testResults" else '[]'::jsonb end) e(item) where e.item->>'id' = x.entry_id limit 1) r`,
    id: 'x.id',
  },
  compartment: { Patient: 'lt."patientId"' },
  summary: [
    'basedOn',
    'status',
    'category',
    'code',
    'subject',
    'effectiveDateTime',
    'effectiveInstant',
    'issued',
    'performer',
    'valueQuantity',
    'valueString',
  ],
  slots: [],
  search: {
    patient: referenceParam('http://hl7.org/fhir/SearchParameter/clinical-patient', { Patient: 'lt."patientId"' }),
    subject: referenceParam('http://hl7.org/fhir/SearchParameter/Observation-subject', { Patient: 'lt."patientId"' }),
    'based-on': referenceParam('http://hl7.org/fhir/SearchParameter/Observation-based-on', {
      ServiceRequest: 'lt.id',
    }),
    code: labCodeParam(
      'http://hl7.org/fhir/SearchParameter/clinical-code',
      field('code'),
      field('name'),
      field('codeSystem'),
    ),
    category: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/Observation-category',
      where: ({ system, code }) => ({
        sql: code === 'laboratory' && (system === undefined || system === OBSERVATION_CATEGORY) ? 'true' : 'false',
        params: [],
      }),
    }),
    date: dateParam(
      'http://hl7.org/fhir/SearchParameter/clinical-date',
      `coalesce(fhir_try_timestamptz(${field('observedAt')}) at time zone 'UTC', lt."sampleCollectionDate")`,
      { kind: 'timestamp' },
    ),
    status: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/Observation-status',
      where: ({ code }) =>
        code === 'final'
          ? {
              sql: `coalesce(${field('status')}, case when lt.status = 'completed' then 'final' end) = 'final'`,
              params: [],
            }
          : code === 'preliminary'
            ? {
                sql: `coalesce(${field('status')}, case when lt.status = 'completed' then 'final' else 'preliminary' end) = 'preliminary'`,
                params: [],
              }
            : { sql: `${field('status')} = ?`, params: [code] },
    }),
    'value-quantity': valueQuantity,
  },

  read({ lab_tests: row, entry: item }, ctx) {
    const t = (row ?? {}) as JsonRow;
    const entry = item as unknown as LabTestResult;
    const effective = entry.observedAt ?? timestampToFhir(t.sampleCollectionDate);
    const range = entry.referenceRange;
    const unit = typeof entry.value === 'number' ? entry.unit : undefined;
    const referenceRange: ObservationReferenceRange | undefined =
      range && (range.low !== undefined || range.high !== undefined || range.text)
        ? {
            ...(range.low !== undefined ? { low: quantity(range.low, unit) } : {}),
            ...(range.high !== undefined ? { high: quantity(range.high, unit) } : {}),
            ...(range.text ? { text: range.text } : {}),
          }
        : undefined;
    return {
      resourceType: 'Observation',
      basedOn: [ctx.ref('ServiceRequest', String(t.id))],
      status: entry.status ?? (t.status === 'completed' ? 'final' : 'preliminary'),
      category: [LAB_OBSERVATION_CATEGORY],
      code: labCode(entry.code, entry.codeSystem, entry.name, ctx),
      subject: ctx.ref('Patient', String(t.patientId)),
      ...(effective ? { effectiveDateTime: effective } : {}),
      ...(typeof entry.value === 'number'
        ? { valueQuantity: quantity(entry.value, entry.unit) }
        : { valueString: String(entry.value) }),
      ...(entry.flag
        ? {
            interpretation: [
              { coding: [{ system: INTERPRETATION, code: entry.flag, display: FLAG_DISPLAY[entry.flag] }] },
            ],
          }
        : {}),
      ...(entry.note ? { note: [{ text: entry.note }] } : {}),
      ...(referenceRange ? { referenceRange: [referenceRange] } : {}),
    } as Omit<Observation, 'id' | 'meta'>;
  },

  lookups: (resource) => resultLookups(resource),
  write: (resource, ctx, existing, found) => resultPlan(resource, ctx, existing, found),
  // a DELETE takes the entry out of testResults (Repository.removeEntry); the row stays
  softDelete: {},
});
