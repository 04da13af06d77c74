// What AllergyIntolerance and Condition share as entries of a TEXT[] column of patients
// (allergies, chronicDiseases): the search source over fhir_patient_facts, the code as text, the
// patient reference, and the write plan of one entry.
import type { CodeableConcept, Reference } from 'fhir/r4.js';
import { parseReference } from './clinical-search.js';
import { tokenParam } from '../params.js';
import type { SearchParamDefinition, Snapshot, WritePlan, WriteProblem } from '../types.js';

/** The search source of one column's entries: an entry exists while the column holds its text. */
export const factsFrom = (column: 'allergies' | 'chronicDiseases') =>
  `fhir_patient_facts f join patients p on p.id = f.patient_id and f.kind = '${column}' and f.entry = any(p."${column}")`;

/** code: the entry's text, matched case-insensitively (a code of no system); :text starts-with. */
export const entryCodeParam = (definition: string): SearchParamDefinition =>
  tokenParam({
    definition,
    text: ['f.entry'],
    where: ({ system, code }) =>
      system === undefined || system === ''
        ? { sql: 'lower(f.entry) = lower(?)', params: [code] }
        : { sql: 'false', params: [] },
  });

/** A token over a constant: every stored entry has `code` (clinical-status active, category problem-list-item). */
export const constantParam = (definition: string, system: string, code: string): SearchParamDefinition =>
  tokenParam({
    definition,
    where: (value) => ({
      sql: value.code === code && (value.system === undefined || value.system === system) ? 'true' : 'false',
      params: [],
    }),
  });

/** The entry's text from code: its text, else the display or code of its first coding. */
export function entryText(code: CodeableConcept | undefined): string | undefined {
  const text = code?.text ?? code?.coding?.find((c) => c.display)?.display ?? code?.coding?.find((c) => c.code)?.code;
  return text?.trim() ? text : undefined;
}

/**
 * The plan of one entry: the patient must be a Patient that exists, and the same one on update
 * (an entry cannot move to another patient's row); the text must be there.
 */
export function entryPlan(
  type: string,
  patientElement: 'patient' | 'subject',
  patient: Reference | undefined,
  code: CodeableConcept | undefined,
  existing: Snapshot | undefined,
  problems: WriteProblem[],
): WritePlan {
  const ref = patient?.reference ? parseReference(patient.reference) : undefined;
  const references: NonNullable<WritePlan['references']> = [];
  if (ref?.type !== 'Patient')
    problems.push({
      expression: `${type}.${patientElement}`,
      diagnostics: `a ${type} needs a ${patientElement} that is a Patient (the patients row it is an entry of)`,
    });
  else {
    references.push({ expression: `${type}.${patientElement}`, type: 'Patient', id: ref.id });
    const owner = existing?.patients?.id;
    if (owner !== undefined && String(owner).toLowerCase() !== ref.id.toLowerCase())
      problems.push({
        expression: `${type}.${patientElement}`,
        diagnostics: `the ${patientElement} cannot change: the entry belongs to Patient/${String(owner)}; create a new ${type} for the other patient`,
      });
  }
  const text = entryText(code);
  if (!text)
    problems.push({ expression: `${type}.code`, diagnostics: `a ${type} needs a code with text (the entry's text)` });
  return {
    root: {},
    problems,
    references,
    ...(text ? { entry: { text } } : {}),
    ...(ref?.type === 'Patient' ? { addTo: { rowId: ref.id } } : {}),
  };
}
