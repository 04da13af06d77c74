// Observation ⇄ two sources, unioned in one `from` (docs/observation-vital-signs.md): one entry of
// lab_tests.testResults (laboratory: the analyte's code, value, reference range, flag, status and
// time, for the patient of the lab test, basedOn its order; the id derived from the row id and the
// entry's stable id, D3 fhir_lab_result_id), and the vital signs held on patients (blood type,
// height, weight, BMI; observation-vital-signs.ts). The search parameters read the union's columns
// (alias o); reads, writes and deletes go to the source that holds the resource (sourceOf).
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
  US_CORE_OBSERVATION_LAB,
} from './datatypes/lab-codes.js';
import { resultLookups, resultPlan } from './datatypes/lab-result-write.js';
import { labCodeParam } from './datatypes/lab-search.js';
import { isUcumUnit, UCUM } from './datatypes/ucum.js';
import { LOINC, VITAL_KINDS, VITAL_SIGNS } from './datatypes/vital-signs.js';
import { vitalSignSourceOf, vitalSignSources } from './observation-vital-signs.js';
import { dateParam, numberParam, tokenParam } from './params.js';
import { defineMapping, READ_WRITE_INTERACTIONS, type JsonRow, type SearchParamDefinition } from './types.js';

export const OBSERVATION_PROFILE = 'https://fhir-interop-server.dev/fhir/StructureDefinition/observation-lab';
export { US_CORE_OBSERVATION_LAB };

const field = (name: string) => `(r.item->>'${name}')`;
const NUMERIC_VALUE = `(case when jsonb_typeof(r.item->'value') = 'number' then (r.item->>'value')::numeric end)`;
const byKind = (value: (kind: (typeof VITAL_KINDS)[number]) => string, type: string) =>
  `(case v.kind ${VITAL_KINDS.map((k) => `when '${k}' then ${value(k)}`).join(' ')} end)::${type}`;
const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * The union's columns, each leg projecting the same types so PostgreSQL flattens the UNION ALL and
 * pushes `o.id = ?` and `o.patient_id = ?` into both legs' indexes.
 */
const LAB_LEG = `select x.id, lt."patientId" as patient_id, lt.id as lab_test_id, 'laboratory'::text as category,
    ${field('code')} as code, ${field('codeSystem')} as code_system, ${field('name')} as name,
    ${NUMERIC_VALUE} as value, ${field('unit')} as unit,
    coalesce(${field('status')}, case when lt.status = 'completed' then 'final' else 'preliminary' end)::text as status,
    coalesce(fhir_try_timestamptz(${field('observedAt')}) at time zone 'UTC', lt."sampleCollectionDate") as effective
  from fhir_lab_result_entries x join lab_tests lt on lt.id = x.lab_test_id
  cross join lateral (select e.item from jsonb_array_elements(case when jsonb_typeof(lt."testResults") = 'array'
    then lt."testResults" else '[]'::jsonb end) e(item) where e.item->>'id' = x.entry_id limit 1) r`;
const VITAL_LEG = `select v.id, p.id as patient_id, null::uuid as lab_test_id,
    ${byKind((k) => quote(VITAL_SIGNS[k].category), 'text')} as category,
    ${byKind((k) => quote(VITAL_SIGNS[k].code), 'text')} as code, ${quote(LOINC)}::text as code_system,
    ${byKind((k) => quote(VITAL_SIGNS[k].display), 'text')} as name,
    (case v.kind when 'height' then p.height::numeric when 'weight' then p.weight::numeric
      when 'bmi' then round((p.weight / ((p.height / 100) ^ 2))::numeric, 1) end)::numeric as value,
    ${byKind((k) => (VITAL_SIGNS[k].unit ? quote(VITAL_SIGNS[k].unit!) : 'null'), 'text')} as unit,
    'final'::text as status, (case when v.kind = 'bmi' then (select max(w.changed_at) from fhir_vital_signs w
      where w.patient_id = v.patient_id and w.kind in ('height', 'weight')) else v.changed_at end) at time zone 'UTC' as effective
  from fhir_vital_signs v join patients p on p.id = v.patient_id
  where case v.kind when 'blood-type' then p."bloodType" is not null when 'height' then p.height is not null
    when 'weight' then p.weight is not null when 'bmi' then p.height > 0 and p.weight is not null else false end`;

function quantity(value: number, unit: string | undefined): Quantity {
  if (unit === undefined) return { value, system: UCUM, code: '1' };
  return isUcumUnit(unit) ? { value, unit, system: UCUM, code: unit } : { value, unit };
}

/** value-quantity: `[prefix]number[|system|code]`, over numeric values; a unit must be the entry's. */
const valueQuantity: SearchParamDefinition = {
  ...numberParam('http://hl7.org/fhir/SearchParameter/Observation-value-quantity', 'o.value'),
  type: 'quantity',
  where({ raw, ...rest }, ctx) {
    const [number = '', system = '', code = ''] = raw.split('|');
    const compared = numberParam('', 'o.value').where({ ...rest, raw: number, code: number }, ctx);
    if (system && system !== UCUM) return { sql: 'false', params: [] };
    if (!code) return compared;
    const unit = code === '1' ? `o.unit is null` : `o.unit = ?`;
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
    from: `(${LAB_LEG}\n  union all\n  ${VITAL_LEG}) o`,
    id: 'o.id',
  },
  compartment: { Patient: 'o.patient_id' },
  sources: Object.values(vitalSignSources),
  sourceOf: vitalSignSourceOf,
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
    'valueCodeableConcept',
    'valueString',
  ],
  slots: [],
  search: {
    patient: referenceParam('http://hl7.org/fhir/SearchParameter/clinical-patient', { Patient: 'o.patient_id' }),
    subject: referenceParam('http://hl7.org/fhir/SearchParameter/Observation-subject', { Patient: 'o.patient_id' }),
    'based-on': referenceParam('http://hl7.org/fhir/SearchParameter/Observation-based-on', {
      ServiceRequest: 'o.lab_test_id',
    }),
    code: labCodeParam('http://hl7.org/fhir/SearchParameter/clinical-code', 'o.code', 'o.name', 'o.code_system'),
    category: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/Observation-category',
      where: ({ system, code }) =>
        system === undefined || system === OBSERVATION_CATEGORY
          ? { sql: 'o.category = ?', params: [code] }
          : { sql: 'false', params: [] },
    }),
    date: dateParam('http://hl7.org/fhir/SearchParameter/clinical-date', 'o.effective', { kind: 'timestamp' }),
    status: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/Observation-status',
      where: ({ code }) => ({ sql: 'o.status = ?', params: [code] }),
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
