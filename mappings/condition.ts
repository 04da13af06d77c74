// Condition ⇄ one entry of patients.chronicDiseases (http://hl7.org/fhir/R4/condition.html, US Core
// 3.1.1 Condition): the problem list of the patient. The entry's text is code.text; every entry is
// category problem-list-item and clinicalStatus active. The id is the entry's in
// fhir_patient_facts (D3); what else a client sends is kept beside it (D4).
import type { Condition } from 'fhir/r4.js';
import { lastUpdatedParam, referenceParam } from './datatypes/clinical-search.js';
import { constantParam, entryCodeParam, entryPlan, factsFrom } from './datatypes/patient-facts.js';
import { EXTENSION_BASE } from './datatypes/status-maps.js';
import { defineMapping, READ_WRITE_INTERACTIONS, type WriteProblem } from './types.js';

export const CONDITION_PROFILE = `${EXTENSION_BASE}/condition`;
export const US_CORE_CONDITION = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-condition';
export const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
export const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';

export const conditionMapping = defineMapping<Condition>({
  resourceType: 'Condition',
  profile: CONDITION_PROFILE,
  conformsTo: [US_CORE_CONDITION],
  interactions: READ_WRITE_INTERACTIONS,
  source: {
    table: 'patients',
    from: factsFrom('chronicDiseases'),
    id: 'f.id',
    textEntries: { column: 'chronicDiseases' },
  },
  compartment: { Patient: 'f.patient_id' },
  summary: [
    'identifier',
    'clinicalStatus',
    'verificationStatus',
    'category',
    'severity',
    'code',
    'bodySite',
    'subject',
    'encounter',
    'onset',
    'abatement',
    'recordedDate',
    'stage',
    'evidence',
  ],
  slots: [],
  search: {
    _lastUpdated: lastUpdatedParam,
    patient: referenceParam('http://hl7.org/fhir/SearchParameter/clinical-patient', { Patient: 'f.patient_id' }),
    subject: referenceParam('http://hl7.org/fhir/SearchParameter/Condition-subject', { Patient: 'f.patient_id' }),
    code: entryCodeParam('http://hl7.org/fhir/SearchParameter/clinical-code'),
    'clinical-status': constantParam(
      'http://hl7.org/fhir/SearchParameter/Condition-clinical-status',
      CONDITION_CLINICAL,
      'active',
    ),
    category: constantParam(
      'http://hl7.org/fhir/SearchParameter/Condition-category',
      CONDITION_CATEGORY,
      'problem-list-item',
    ),
  },

  read({ patients, entry }, ctx) {
    return {
      resourceType: 'Condition',
      clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: 'active', display: 'Active' }] },
      category: [{ coding: [{ system: CONDITION_CATEGORY, code: 'problem-list-item', display: 'Problem List Item' }] }],
      code: { text: String(entry?.text) },
      subject: ctx.ref('Patient', String(patients?.id)),
    };
  },

  write(resource, _ctx, existing) {
    const problems: WriteProblem[] = [];
    const clinical = resource.clinicalStatus?.coding?.find((c) => c.system === CONDITION_CLINICAL)?.code;
    if (clinical !== undefined && clinical !== 'active')
      problems.push({
        expression: 'Condition.clinicalStatus',
        diagnostics: `patients.chronicDiseases lists current problems only: clinicalStatus ${clinical} cannot be stored (delete the Condition instead)`,
      });
    const categories = (resource.category ?? [])
      .flatMap((c) => c.coding ?? [])
      .filter((c) => c.system === CONDITION_CATEGORY);
    if (categories.length > 0 && !categories.some((c) => c.code === 'problem-list-item'))
      problems.push({
        expression: 'Condition.category',
        diagnostics: 'patients.chronicDiseases is the problem list: the category must be problem-list-item',
      });
    const verification = resource.verificationStatus?.coding?.find((c) => c.system === CONDITION_VERIFICATION)?.code;
    if (verification === 'refuted' || verification === 'entered-in-error')
      problems.push({
        expression: 'Condition.verificationStatus',
        diagnostics: `a ${verification} condition is not one of the patient's problems: delete it instead`,
      });
    return entryPlan('Condition', 'subject', resource.subject, resource.code, existing, problems);
  },

  softDelete: {},
});
