// AllergyIntolerance ⇄ one entry of patients.allergies (http://hl7.org/fhir/R4/allergyintolerance.html,
// US Core 3.1.1 AllergyIntolerance): the entry's text is code.text; the list holds the patient's
// current allergies, so every entry is clinicalStatus active. The id is the entry's in
// fhir_patient_facts (D3); what else a client sends is kept beside it (D4).
import type { AllergyIntolerance } from 'fhir/r4.js';
import { lastUpdatedParam, referenceParam } from './datatypes/clinical-search.js';
import { constantParam, entryCodeParam, entryPlan, factsFrom } from './datatypes/patient-facts.js';
import { EXTENSION_BASE } from './datatypes/status-maps.js';
import { defineMapping, READ_WRITE_INTERACTIONS, type WriteProblem } from './types.js';

export const ALLERGY_INTOLERANCE_PROFILE = `${EXTENSION_BASE}/allergy-intolerance`;
export const US_CORE_ALLERGY_INTOLERANCE = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-allergyintolerance';
export const ALLERGY_CLINICAL = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
const ALLERGY_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';

export const allergyIntoleranceMapping = defineMapping<AllergyIntolerance>({
  resourceType: 'AllergyIntolerance',
  profile: ALLERGY_INTOLERANCE_PROFILE,
  conformsTo: [US_CORE_ALLERGY_INTOLERANCE],
  interactions: READ_WRITE_INTERACTIONS,
  source: { table: 'patients', from: factsFrom('allergies'), id: 'f.id', textEntries: { column: 'allergies' } },
  compartment: { Patient: 'f.patient_id' },
  summary: [
    'identifier',
    'clinicalStatus',
    'verificationStatus',
    'type',
    'category',
    'criticality',
    'code',
    'patient',
    'onset',
    'recordedDate',
    'asserter',
    'lastOccurrence',
  ],
  slots: [],
  search: {
    _lastUpdated: lastUpdatedParam,
    patient: referenceParam('http://hl7.org/fhir/SearchParameter/clinical-patient', { Patient: 'f.patient_id' }),
    code: entryCodeParam('http://hl7.org/fhir/SearchParameter/clinical-code'),
    'clinical-status': constantParam(
      'http://hl7.org/fhir/SearchParameter/AllergyIntolerance-clinical-status',
      ALLERGY_CLINICAL,
      'active',
    ),
  },

  read({ patients, entry }, ctx) {
    return {
      resourceType: 'AllergyIntolerance',
      clinicalStatus: { coding: [{ system: ALLERGY_CLINICAL, code: 'active', display: 'Active' }] },
      code: { text: String(entry?.text) },
      patient: ctx.ref('Patient', String(patients?.id)),
    };
  },

  write(resource, _ctx, existing) {
    const problems: WriteProblem[] = [];
    const clinical = resource.clinicalStatus?.coding?.find((c) => c.system === ALLERGY_CLINICAL)?.code;
    if (clinical !== undefined && clinical !== 'active')
      problems.push({
        expression: 'AllergyIntolerance.clinicalStatus',
        diagnostics: `patients.allergies lists current allergies only: clinicalStatus ${clinical} cannot be stored (delete the AllergyIntolerance instead)`,
      });
    const verification = resource.verificationStatus?.coding?.find((c) => c.system === ALLERGY_VERIFICATION)?.code;
    if (verification === 'refuted' || verification === 'entered-in-error')
      problems.push({
        expression: 'AllergyIntolerance.verificationStatus',
        diagnostics: `a ${verification} allergy is not one of the patient's allergies: delete it instead`,
      });
    return entryPlan('AllergyIntolerance', 'patient', resource.patient, resource.code, existing, problems);
  },

  softDelete: {},
});
