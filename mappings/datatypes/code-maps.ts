// Column values ⇄ FHIR codes, both ways, for the codes the schema stores as free text.

export const ADMINISTRATIVE_GENDER = ['male', 'female', 'other', 'unknown'] as const;

export const V3_MARITAL_STATUS = 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus';
export const V3_NULL_FLAVOR = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor';

/** patients.maritalStatus ⇄ v3 MaritalStatus (the NullFlavor UNK for unknown). */
export const MARITAL_STATUS: Readonly<Record<string, { system: string; code: string }>> = {
  annulled: { system: V3_MARITAL_STATUS, code: 'A' },
  divorced: { system: V3_MARITAL_STATUS, code: 'D' },
  interlocutory: { system: V3_MARITAL_STATUS, code: 'I' },
  separated: { system: V3_MARITAL_STATUS, code: 'L' },
  married: { system: V3_MARITAL_STATUS, code: 'M' },
  polygamous: { system: V3_MARITAL_STATUS, code: 'P' },
  single: { system: V3_MARITAL_STATUS, code: 'S' },
  domestic_partner: { system: V3_MARITAL_STATUS, code: 'T' },
  unmarried: { system: V3_MARITAL_STATUS, code: 'U' },
  widowed: { system: V3_MARITAL_STATUS, code: 'W' },
  unknown: { system: V3_NULL_FLAVOR, code: 'UNK' },
};

export const maritalStatusColumn = (system: string | undefined, code: string | undefined): string | undefined =>
  Object.entries(MARITAL_STATUS).find(([, c]) => c.code === code && (system === undefined || c.system === system))?.[0];
