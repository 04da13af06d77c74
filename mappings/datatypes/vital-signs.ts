// The vital signs held on patients (http://hl7.org/fhir/R4/observation-vitalsigns.html): each kind's
// LOINC code, column, UCUM unit and category, the SNOMED CT answers of the blood type, and the
// stable id of a patient's Observation of a kind (fhir_vital_sign_id in the vital signs migration).
import { createHash } from 'node:crypto';
import type { CodeableConcept, Observation } from 'fhir/r4.js';
import { OBSERVATION_CATEGORY, SNOMED } from './lab-codes.js';

export const LOINC = 'http://loinc.org';
export const VITAL_KINDS = ['blood-type', 'height', 'weight', 'bmi'] as const;
export type VitalKind = (typeof VITAL_KINDS)[number];

export interface VitalSign {
  code: string;
  display: string;
  category: 'vital-signs' | 'laboratory';
  /** The patients columns the value is read from (BMI: computed from both). */
  columns: readonly ('bloodType' | 'height' | 'weight')[];
  /** UCUM unit of a quantity; absent for the blood type (a CodeableConcept). */
  unit?: string;
  /** The FHIR core vital signs profile of the kind. */
  coreProfile?: string;
}

const CORE = 'http://hl7.org/fhir/StructureDefinition';

export const VITAL_SIGNS: Readonly<Record<VitalKind, VitalSign>> = {
  'blood-type': {
    code: '882-1',
    display: 'ABO and Rh group [Type] in Blood',
    category: 'laboratory',
    columns: ['bloodType'],
  },
  height: {
    code: '8302-2',
    display: 'Body height',
    category: 'vital-signs',
    columns: ['height'],
    unit: 'cm',
    coreProfile: `${CORE}/bodyheight`,
  },
  weight: {
    code: '29463-7',
    display: 'Body weight',
    category: 'vital-signs',
    columns: ['weight'],
    unit: 'kg',
    coreProfile: `${CORE}/bodyweight`,
  },
  bmi: {
    code: '39156-5',
    display: 'Body mass index (BMI) [Ratio]',
    category: 'vital-signs',
    columns: ['height', 'weight'],
    unit: 'kg/m2',
    coreProfile: `${CORE}/bmi`,
  },
};

export const CORE_VITAL_SIGNS_PROFILE = `${CORE}/vitalsigns`;

/** patients.bloodType (the schema's eight values) ⇄ SNOMED CT "Blood group X Rh(D) positive/negative". */
export const BLOOD_GROUPS: Readonly<Record<string, { code: string; display: string }>> = {
  'A+': { code: '278149003', display: 'Blood group A Rh(D) positive' },
  'A-': { code: '278152006', display: 'Blood group A Rh(D) negative' },
  'B+': { code: '278150003', display: 'Blood group B Rh(D) positive' },
  'B-': { code: '278153001', display: 'Blood group B Rh(D) negative' },
  'AB+': { code: '278151004', display: 'Blood group AB Rh(D) positive' },
  'AB-': { code: '278154007', display: 'Blood group AB Rh(D) negative' },
  'O+': { code: '278147001', display: 'Blood group O Rh(D) positive' },
  'O-': { code: '278148006', display: 'Blood group O Rh(D) negative' },
};

/** The blood type as a value: SNOMED CT for the eight, text alone for anything else another application wrote. */
export function bloodGroupConcept(value: string): CodeableConcept {
  const group = BLOOD_GROUPS[value];
  return group ? { coding: [{ system: SNOMED, ...group }], text: value } : { text: value };
}

/** The bloodType value of a concept: a SNOMED CT code of the eight, or one of the eight as text or code. */
export function bloodGroupOf(concept: CodeableConcept | undefined): string | undefined {
  for (const coding of concept?.coding ?? [])
    if (coding.system === SNOMED) {
      const found = Object.entries(BLOOD_GROUPS).find(([, g]) => g.code === coding.code);
      if (found) return found[0];
    }
  const candidates = [concept?.text, ...(concept?.coding ?? []).map((c) => c.code)];
  return candidates.map((c) => c?.trim().toUpperCase()).find((c) => c !== undefined && c in BLOOD_GROUPS);
}

export const vitalCategory = (kind: VitalKind): CodeableConcept => {
  const code = VITAL_SIGNS[kind].category;
  return {
    coding: [{ system: OBSERVATION_CATEGORY, code, display: code === 'laboratory' ? 'Laboratory' : 'Vital Signs' }],
  };
};

export const vitalCode = (kind: VitalKind): CodeableConcept => {
  const { code, display } = VITAL_SIGNS[kind];
  return { coding: [{ system: LOINC, code, display }], text: display };
};

/** The kind an Observation's code names (a LOINC coding of one of the four), if any. */
export function vitalKindOf(resource: Pick<Observation, 'code'>): VitalKind | undefined {
  for (const coding of resource.code?.coding ?? [])
    if (coding.system === LOINC) {
      const kind = VITAL_KINDS.find((k) => VITAL_SIGNS[k].code === coding.code);
      if (kind) return kind;
    }
  return undefined;
}

/**
 * BMI from height (cm) and weight (kg), one decimal, rounded as the search column rounds it
 * (`round((weight / (height/100)^2)::numeric, 1)`: the float's 15 significant digits, then half away
 * from zero), so 48 kg at 160 cm is 18.8 both ways; undefined without a positive height.
 */
export function bodyMassIndex(height: unknown, weight: unknown): number | undefined {
  if (typeof height !== 'number' || typeof weight !== 'number' || !(height > 0)) return undefined;
  const bmi = weight / (height / 100) ** 2;
  const digits = Number(Math.abs(bmi).toPrecision(15)).toString();
  if (!/^\d+(\.\d+)?$/.test(digits)) return Math.round(bmi * 10) / 10;
  const [whole, fraction = ''] = digits.split('.');
  const tenths = Number(whole) * 10 + Number(fraction[0] ?? 0) + (Number(fraction[1] ?? 0) >= 5 ? 1 : 0);
  return (Math.sign(bmi) * tenths) / 10;
}

/** md5('Observation/vital/<patient>/<kind>') as a uuid, as fhir_vital_sign_id computes it. */
export function vitalSignId(patient: string, kind: VitalKind): string {
  const hex = createHash('md5').update(`Observation/vital/${patient.toLowerCase()}/${kind}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
