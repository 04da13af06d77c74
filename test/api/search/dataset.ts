// The fixed dataset of the search suites: five patients, two practitioners (and their roles),
// created through FHIR; `label` names each resource by its given name. Chloé has an SSN when the
// server has a DATA_ENCRYPTION_KEY.
import { newPatient, newPractitioner } from '../../support/fhir-client.js';
import type { TestServer } from '../../support/server.js';

export const MRN = 'https://fhir-interop-server.dev/fhir/sid/mrn';
export const LICENSE = 'https://fhir-interop-server.dev/fhir/sid/license-number';
export const SSN = 'http://hl7.org/fhir/sid/us-ssn';
export const CHLOE_SSN = '078-05-1120';

const patients: Record<string, Record<string, unknown>> = {
  Ana: {
    name: [{ use: 'official', family: 'Müller', given: ['Ana'] }],
    telecom: [
      { system: 'email', value: 'ana@example.org' },
      { system: 'phone', value: '555-0101' },
    ],
    gender: 'female',
    birthDate: '1980-05-17',
    address: [{ line: ['1 Linden St'], city: 'Berlin', state: 'BE', postalCode: '10115', country: 'DE' }],
    identifier: [{ system: MRN, value: 'MRN-1' }],
  },
  Bob: {
    name: [{ use: 'official', family: 'Mueller', given: ['Bob'] }],
    telecom: [{ system: 'email', value: 'bob@example.org' }],
    gender: 'male',
    birthDate: '1980-12-31',
    address: [{ city: 'Boston', country: 'US' }],
    active: false,
  },
  Chloé: {
    name: [{ use: 'official', family: 'Smith', given: ['Chloé'] }],
    telecom: [{ system: 'email', value: 'chloe@example.org' }],
    gender: 'female',
    birthDate: '1975-01-01',
    address: [{ city: 'Paris', country: 'FR' }],
  },
  Dan: {
    name: [{ use: 'official', family: 'Smithson', given: ['Dan'] }],
    telecom: [
      { system: 'email', value: 'dan@example.org' },
      { system: 'phone', value: '555-0199' },
    ],
    gender: 'other',
    birthDate: '2001-07-04',
  },
  Eve: {
    name: [{ use: 'official', family: "O'Brien", given: ['Eve'] }],
    telecom: [{ system: 'email', value: 'eve@example.org' }],
    gender: 'female',
    birthDate: undefined,
  },
};

const practitioners: Record<string, Record<string, unknown>> = {
  Hana: { identifier: [{ system: LICENSE, value: 'LIC-1' }] },
  Ian: {
    identifier: [
      {
        system: LICENSE,
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MD' }] },
        value: 'LIC-2',
      },
    ],
    extension: [
      {
        url: 'https://fhir-interop-server.dev/fhir/StructureDefinition/practitioner-specialization',
        valueCodeableConcept: { text: 'Orthopedics' },
      },
    ],
    name: [{ use: 'official', family: 'Bone', given: ['Ian'] }],
    gender: 'male',
  },
};

export interface Dataset {
  /** label → id */
  ids: Record<string, string>;
  /** id → label */
  label(id: string): string;
}

export async function createDataset(server: TestServer): Promise<Dataset> {
  const ids: Record<string, string> = {};
  for (const [label, body] of Object.entries(patients)) {
    const ssn = label === 'Chloé' && server.config.dataEncryptionKey ? [{ system: SSN, value: CHLOE_SSN }] : [];
    const identifier = [...((body.identifier as unknown[] | undefined) ?? []), ...ssn];
    const res = await server.call('POST', '/Patient', {
      body: newPatient({ ...body, ...(identifier.length ? { identifier } : {}) }),
    });
    if (res.status !== 201) throw new Error(`${label}: ${res.text}`);
    ids[label] = res.body.id;
  }
  for (const [label, body] of Object.entries(practitioners)) {
    const res = await server.call('POST', '/Practitioner', { body: newPractitioner(body) });
    if (res.status !== 201) throw new Error(`${label}: ${res.text}`);
    ids[label] = res.body.id;
  }
  const byId = new Map(Object.entries(ids).map(([label, id]) => [id, label]));
  return { ids, label: (id) => byId.get(id) ?? id };
}
