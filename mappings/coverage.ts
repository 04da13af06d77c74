// Coverage ⇄ the insurance columns of patients (http://hl7.org/fhir/R4/coverage.html): payor from
// insuranceProvider, subscriberId (and an identifier) from insurancePolicyNumber, period.end from
// insuranceExpiry. One per patient, with the patient's id (D3: the row's uuid); it exists while
// any of the three columns is set. Create fills them on the beneficiary's row, delete clears them.
import type { Coverage, Reference } from 'fhir/r4.js';
import { lastUpdatedParam, parseReference, referenceParam } from './datatypes/clinical-search.js';
import { fits, fullDate, str } from './datatypes/columns.js';
import { EXTENSION_BASE } from './datatypes/status-maps.js';
import { tokenParam } from './params.js';
import { defineMapping, READ_WRITE_INTERACTIONS, type MapContext, type WriteProblem } from './types.js';

export const COVERAGE_PROFILE = `${EXTENSION_BASE}/coverage`;
const DATA_ABSENT = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';
export const policySystem = (ctx: MapContext) => ctx.identifierSystem('insurance-policy-number');

export const coverageMapping = defineMapping<Coverage>({
  resourceType: 'Coverage',
  profile: COVERAGE_PROFILE,
  interactions: READ_WRITE_INTERACTIONS,
  source: { table: 'patients', from: 'patients p', id: 'p.id', partOfRow: true },
  compartment: { Patient: 'p.id' },
  summary: [
    'identifier',
    'status',
    'type',
    'policyHolder',
    'subscriber',
    'beneficiary',
    'dependent',
    'relationship',
    'period',
    'payor',
    'class',
  ],
  slots: [],
  search: {
    _lastUpdated: lastUpdatedParam,
    patient: referenceParam('http://hl7.org/fhir/SearchParameter/Coverage-patient', { Patient: 'p.id' }),
    beneficiary: referenceParam('http://hl7.org/fhir/SearchParameter/Coverage-beneficiary', { Patient: 'p.id' }),
    status: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/Coverage-status',
      where: ({ code }) => ({ sql: code === 'active' ? 'true' : 'false', params: [] }),
    }),
    identifier: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/Coverage-identifier',
      where: ({ system, code }, ctx) =>
        system === undefined || system === policySystem(ctx)
          ? { sql: 'p."insurancePolicyNumber" = ?', params: [code] }
          : { sql: 'false', params: [] },
    }),
  },

  read({ patients: row }, ctx) {
    const p = row ?? {};
    const number = str(p.insurancePolicyNumber);
    const expiry = str(p.insuranceExpiry)?.slice(0, 10);
    const payor: Reference = str(p.insuranceProvider)
      ? { display: String(p.insuranceProvider) }
      : { extension: [{ url: DATA_ABSENT, valueCode: 'unknown' }] };
    return {
      resourceType: 'Coverage',
      ...(number ? { identifier: [{ system: policySystem(ctx), value: number }] } : {}),
      status: 'active',
      ...(number ? { subscriberId: number } : {}),
      beneficiary: ctx.ref('Patient', String(p.id)),
      ...(expiry ? { period: { end: expiry } } : {}),
      payor: [payor],
    };
  },

  write(resource, ctx, existing) {
    const problems: WriteProblem[] = [];
    const beneficiary = resource.beneficiary?.reference ? parseReference(resource.beneficiary.reference) : undefined;
    const references: { expression: string; type: 'Patient'; id: string }[] = [];
    if (beneficiary?.type !== 'Patient')
      problems.push({
        expression: 'Coverage.beneficiary',
        diagnostics: 'a Coverage needs a beneficiary that is a Patient (the patients row holding the insurance)',
      });
    else {
      references.push({ expression: 'Coverage.beneficiary', type: 'Patient', id: beneficiary.id });
      const owner = existing?.patients?.id;
      if (owner !== undefined && String(owner).toLowerCase() !== beneficiary.id.toLowerCase())
        problems.push({
          expression: 'Coverage.beneficiary',
          diagnostics: `the beneficiary cannot change: this is the insurance of Patient/${String(owner)}`,
        });
    }
    if (resource.status !== 'active')
      problems.push({
        expression: 'Coverage.status',
        diagnostics: `only active coverage is stored (patients has no status column): delete the Coverage to remove the insurance`,
      });
    const number =
      resource.subscriberId ?? resource.identifier?.find((i) => i.system === policySystem(ctx))?.value ?? undefined;
    const provider = resource.payor?.find((p) => p.display)?.display;
    const { start, end } = resource.period ?? {};
    const expiry = end === undefined ? null : fullDate(end.slice(0, 10));
    if (end !== undefined && !expiry)
      problems.push({
        expression: 'Coverage.period.end',
        diagnostics: 'the end must be a date (insuranceExpiry is a DATE)',
      });
    if (start !== undefined && end !== undefined && start.slice(0, 10) > end.slice(0, 10))
      problems.push({
        expression: 'Coverage.period',
        diagnostics: `the period ends (${end}) before it starts (${start})`,
      });
    if (!number && !provider && !expiry)
      problems.push({
        expression: 'Coverage',
        diagnostics:
          'a Coverage needs a payor display, a subscriberId or a period.end (the insurance columns of patients)',
      });
    const root = {
      insuranceProvider: fits(problems, 'Coverage.payor', provider, 100),
      insurancePolicyNumber: fits(problems, 'Coverage.subscriberId', number, 50),
      insuranceExpiry: expiry,
    };
    return {
      root,
      problems,
      references,
      ...(beneficiary?.type === 'Patient' ? { addTo: { rowId: beneficiary.id } } : {}),
    };
  },

  softDelete: { root: { insuranceProvider: null, insurancePolicyNumber: null, insuranceExpiry: null } },
});
