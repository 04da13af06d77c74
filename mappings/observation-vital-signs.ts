// Observation (vital signs, http://hl7.org/fhir/R4/observation-vitalsigns.html) ⇄ columns of
// patients: blood type (bloodType), body height (height, cm), body weight (weight, kg) and BMI
// (derived from both, read-only). One source mapping per kind, registered only through the
// Observation mapping (its `sources`); each is part of the patient's row, with the stable id
// fhir_vital_sign_id(patient, kind) and effectiveDateTime the time the server saw the column change.
import type { Observation } from 'fhir/r4.js';
import { parseReference } from './datatypes/clinical-search.js';
import { timestampToFhir } from './datatypes/hospital-time.js';
import { US_CORE_OBSERVATION_LAB } from './datatypes/lab-codes.js';
import { EXTENSION_BASE } from './datatypes/status-maps.js';
import { UCUM } from './datatypes/ucum.js';
import {
  bloodGroupConcept,
  bloodGroupOf,
  bodyMassIndex,
  CORE_VITAL_SIGNS_PROFILE,
  VITAL_KINDS,
  VITAL_SIGNS,
  vitalCategory,
  vitalCode,
  vitalKindOf,
  vitalSignId,
  type VitalKind,
} from './datatypes/vital-signs.js';
import {
  defineMapping,
  READ_WRITE_INTERACTIONS,
  type ColumnValues,
  type MapContext,
  type ResourceMapping,
  type Snapshot,
  type WritePlan,
  type WriteProblem,
} from './types.js';

export const VITAL_SIGNS_PROFILE = `${EXTENSION_BASE}/observation-vital-signs`;
export const BLOOD_TYPE_PROFILE = `${EXTENSION_BASE}/observation-blood-type`;

function read(kind: VitalKind, snapshot: Snapshot, ctx: MapContext): Omit<Observation, 'id' | 'meta'> {
  const p = snapshot.patients ?? {};
  const { unit } = VITAL_SIGNS[kind];
  const value =
    kind === 'blood-type' ? undefined : kind === 'bmi' ? bodyMassIndex(p.height, p.weight) : Number(p[kind]);
  const effective = timestampToFhir(snapshot.vital?.changed_at);
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [vitalCategory(kind)],
    code: vitalCode(kind),
    subject: ctx.ref('Patient', String(p.id)),
    ...(effective ? { effectiveDateTime: effective } : {}),
    ...(kind === 'blood-type'
      ? { valueCodeableConcept: bloodGroupConcept(String(p.bloodType)) }
      : { valueQuantity: { value, unit, system: UCUM, code: unit } }),
  } as Omit<Observation, 'id' | 'meta'>;
}

/** The column value of a kind from the resource, or a problem naming the element. */
function columnValue(kind: VitalKind, resource: Observation, problems: WriteProblem[]): ColumnValues {
  if (kind === 'blood-type') {
    const group = bloodGroupOf(resource.valueCodeableConcept);
    if (!group)
      problems.push({
        expression: 'Observation.valueCodeableConcept',
        diagnostics:
          'the blood type must be one of A+, A-, B+, B-, AB+, AB-, O+, O- (patients.bloodType): a SNOMED CT "Blood group ... Rh(D) ..." code or that text',
      });
    return { bloodType: group ?? null };
  }
  const { unit, display } = VITAL_SIGNS[kind];
  const q = resource.valueQuantity;
  if (!q) {
    problems.push({
      expression: 'Observation.valueQuantity',
      diagnostics: `a ${display.toLowerCase()} needs a valueQuantity in ${unit} (patients.${kind})`,
    });
    return {};
  }
  if (q.system !== UCUM || q.code !== unit)
    problems.push({
      expression: 'Observation.valueQuantity.code',
      diagnostics: `patients.${kind} holds ${unit}: send system ${UCUM} and code ${unit} (got ${q.system ?? 'no system'} ${
        q.code ?? 'and no code'
      }; units are not converted)`,
    });
  if (typeof q.value !== 'number' || !(q.value > 0) || q.comparator)
    problems.push({
      expression: 'Observation.valueQuantity.value',
      diagnostics: `a ${display.toLowerCase()} needs a positive value without comparator`,
    });
  return { [kind]: typeof q.value === 'number' ? q.value : null };
}

function plan(kind: VitalKind, resource: Observation, existing: Snapshot | undefined): WritePlan {
  const problems: WriteProblem[] = [];
  const references: NonNullable<WritePlan['references']> = [];
  const named = vitalKindOf(resource);
  if (named !== kind)
    problems.push({
      expression: 'Observation.code',
      diagnostics: `this Observation is the ${VITAL_SIGNS[kind].display.toLowerCase()} (LOINC ${VITAL_SIGNS[kind].code}): its code cannot change`,
    });
  const subject = resource.subject?.reference ? parseReference(resource.subject.reference) : undefined;
  if (subject?.type !== 'Patient')
    problems.push({
      expression: 'Observation.subject',
      diagnostics: 'a vital sign needs a subject that is a Patient (the patients row holding it)',
    });
  else {
    references.push({ expression: 'Observation.subject', type: 'Patient', id: subject.id });
    const owner = existing?.patients?.id;
    if (owner !== undefined && String(owner).toLowerCase() !== subject.id.toLowerCase())
      problems.push({
        expression: 'Observation.subject',
        diagnostics: `the subject cannot change: this is a vital sign of Patient/${String(owner)}`,
      });
  }
  if (resource.status !== 'final')
    problems.push({
      expression: 'Observation.status',
      diagnostics: `patients holds the current value only: its Observation is final (got ${resource.status})`,
    });
  const category = (resource.category ?? []).flatMap((c) => c.coding ?? []);
  const expected = VITAL_SIGNS[kind].category;
  if (category.length && !category.some((c) => c.code === expected))
    problems.push({
      expression: 'Observation.category',
      diagnostics: `the ${VITAL_SIGNS[kind].display.toLowerCase()} is of the category ${expected}`,
    });
  const root = columnValue(kind, resource, problems);
  // the time of the value: the one sent (a measurement taken earlier, an import), else the write's
  const effective = resource.effectiveDateTime ?? resource.effectiveInstant;
  if (effective !== undefined && !/T.*(Z|[+-]\d{2}:\d{2})$/.test(effective))
    problems.push({ expression: 'Observation.effective[x]', diagnostics: 'effective needs a time with a time zone' });
  if (resource.effectivePeriod || resource.effectiveTiming)
    problems.push({
      expression: 'Observation.effective[x]',
      diagnostics: 'a vital sign of patients has one time (effectiveDateTime)',
    });
  return {
    root,
    problems,
    references,
    ...(effective !== undefined && subject?.type === 'Patient'
      ? {
          after: [
            {
              sql: 'update fhir_vital_signs set changed_at = ?::timestamptz where patient_id = ?::uuid and kind = ?',
              params: [effective, subject.id, kind],
            },
          ],
        }
      : {}),
    ...(!existing && subject?.type === 'Patient'
      ? { addTo: { rowId: subject.id, id: vitalSignId(subject.id, kind) } }
      : {}),
  };
}

function source(kind: VitalKind): ResourceMapping<Observation> {
  const { coreProfile, columns } = VITAL_SIGNS[kind];
  return defineMapping<Observation>({
    resourceType: 'Observation',
    profile: kind === 'blood-type' ? BLOOD_TYPE_PROFILE : VITAL_SIGNS_PROFILE,
    conformsTo: kind === 'blood-type' ? [US_CORE_OBSERVATION_LAB] : [CORE_VITAL_SIGNS_PROFILE, coreProfile!],
    interactions: READ_WRITE_INTERACTIONS,
    source: { table: 'patients', from: 'patients p', id: 'p.id', partOfRow: true },
    compartment: { Patient: 'p.id' },
    slots: [],
    search: {},
    read: (snapshot, ctx) => read(kind, snapshot, ctx),
    ...(kind === 'bmi'
      ? {
          readOnly: {
            expression: 'Observation.code',
            diagnostics:
              'the BMI (LOINC 39156-5) is computed from patients.height and weight: it cannot be written or deleted; write the body height and weight instead',
          },
        }
      : { write: (resource: Observation, _ctx: MapContext, existing?: Snapshot) => plan(kind, resource, existing) }),
    // a DELETE clears the kind's column; the patient stays
    softDelete: { root: kind === 'bmi' ? {} : Object.fromEntries(columns.map((c) => [c, null])) },
  });
}

export const vitalSignSources: Readonly<Record<VitalKind, ResourceMapping<Observation>>> = Object.fromEntries(
  VITAL_KINDS.map((kind) => [kind, source(kind)]),
) as Record<VitalKind, ResourceMapping<Observation>>;

/**
 * The vital sign source of a resource: by its snapshot when it exists (a stored vital sign),
 * else, for a create, by its code when it names one of the four kinds and it is basedOn no order
 * (a result the lab reports for an order is a lab result, whatever its code).
 */
export function vitalSignSourceOf(
  snapshot: Snapshot | undefined,
  resource?: Observation,
): ResourceMapping<Observation> | undefined {
  if (snapshot) {
    const kind = snapshot.vital?.kind as VitalKind | undefined;
    return kind && kind in vitalSignSources ? vitalSignSources[kind] : undefined;
  }
  if (!resource || resource.basedOn?.length) return undefined;
  const kind = vitalKindOf(resource);
  return kind ? vitalSignSources[kind] : undefined;
}
