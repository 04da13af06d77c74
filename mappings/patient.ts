// Patient ⇄ users + patients (http://hl7.org/fhir/R4/patient.html). The demographic columns; the
// clinical columns of patients become their own resources (AllergyIntolerance, Condition, ...).
import type { Identifier, Patient, PatientContact } from 'fhir/r4.js';
import { addressColumns, homeAddressSlot, renderAddress } from './datatypes/address.js';
import { MARITAL_STATUS, maritalStatusColumn } from './datatypes/code-maps.js';
import { fits, fullDate, str } from './datatypes/columns.js';
import { firstOf, renderTelecom, telecomSlot } from './datatypes/contact-point.js';
import { officialName, officialNameSlot, renderOfficialName } from './datatypes/human-name.js';
import { personSearch } from './datatypes/person-search.js';
import { identifierParam, identifierType, identifierTypeCodingSlot } from './datatypes/identifier-search.js';
import { booleanParam, dateParam } from './params.js';
import { defineMapping, READ_WRITE_INTERACTIONS, type JsonRow, type MapContext, type WriteProblem } from './types.js';

/** The rows a resource is read and searched from. */
const FROM = 'patients p join users u on u.id = p."userId"';

export const US_SSN = 'http://hl7.org/fhir/sid/us-ssn';
export const PATIENT_PROFILE = 'https://fhir-interop-server.dev/fhir/StructureDefinition/patient';

const ACTIVE_STATUSES = ['active', 'pending_verification'];

/** v2-0203 types: the patient number is the patient internal identifier, patientId the MRN. */
const TYPES = { number: 'PI', mrn: 'MR', ssn: 'SS' } as const;

function identifierSystems(ctx: MapContext) {
  return { number: ctx.identifierSystem('patient-number'), mrn: ctx.identifierSystem('mrn') };
}

function renderIdentifiers(user: JsonRow, patient: JsonRow, ctx: MapContext): Identifier[] {
  const systems = identifierSystems(ctx);
  const identifiers: Identifier[] = [
    { system: systems.number, type: identifierType(TYPES.number), value: String(user.userId) },
  ];
  if (str(patient.patientId))
    identifiers.push({ system: systems.mrn, type: identifierType(TYPES.mrn), value: str(patient.patientId) });
  const ssn = str(patient.ssn) ? ctx.secrets.decrypt(String(patient.ssn)) : undefined;
  if (ssn) identifiers.push({ system: US_SSN, type: identifierType(TYPES.ssn), value: ssn });
  return identifiers;
}

function renderContact(patient: JsonRow): PatientContact[] {
  const name = str(patient.emergencyContactName);
  const phone = str(patient.emergencyContactPhone);
  const relation = str(patient.emergencyContactRelation);
  if (!name && !phone && !relation) return [];
  return [
    {
      ...(relation ? { relationship: [{ text: relation }] } : {}),
      ...(name ? { name: { text: name } } : {}),
      ...(phone ? { telecom: [{ system: 'phone', value: phone }] } : {}),
    },
  ];
}

function contactName(contact: PatientContact | undefined): string | undefined {
  if (!contact?.name) return undefined;
  if (contact.name.text) return contact.name.text;
  const parts = [...(contact.name.given ?? []), contact.name.family].filter(Boolean);
  return parts.length ? parts.join(' ') : undefined;
}

export const patientMapping = defineMapping<Patient>({
  resourceType: 'Patient',
  profile: PATIENT_PROFILE,
  conformsTo: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'],
  interactions: READ_WRITE_INTERACTIONS,
  source: {
    table: 'patients',
    from: FROM,
    id: 'p.id',
    parent: { table: 'users', link: 'userId' },
    numbering: { table: 'users', column: 'userId', prefix: 'PAT-', width: 6, sequence: 'fhir_patient_number_seq' },
  },
  compartment: { Patient: 'p.id' },
  summary: [
    'identifier',
    'active',
    'name',
    'telecom',
    'gender',
    'birthDate',
    'deceasedBoolean',
    'deceasedDateTime',
    'address',
    'managingOrganization',
    'link',
  ],
  slots: [
    { path: 'identifier', key: (item) => (typeof item.system === 'string' ? item.system : undefined) },
    identifierTypeCodingSlot,
    officialNameSlot,
    telecomSlot,
    homeAddressSlot,
    { path: 'contact', key: () => 'emergency' },
  ],
  search: {
    identifier: identifierParam(
      'http://hl7.org/fhir/SearchParameter/Patient-identifier',
      (ctx) => {
        const systems = identifierSystems(ctx);
        return [
          { system: systems.number, type: TYPES.number, column: 'u."userId"' },
          { system: systems.mrn, type: TYPES.mrn, column: 'p."patientId"' },
          ...(ctx.secrets.available
            ? [
                {
                  system: US_SSN,
                  type: TYPES.ssn,
                  present: 'p.ssn is not null',
                  match: (value: string) => ({
                    sql: `exists (select 1 from fhir_identifier_hashes h where h.resource_type = 'Patient' and h.id = p.id and h.system = ? and h.hash = ?)`,
                    params: [US_SSN, ctx.secrets.hash(US_SSN, value)],
                  }),
                },
              ]
            : []),
        ];
      },
      { rows: { id: 'p.id', from: FROM }, types: Object.values(TYPES) },
    ),
    ...personSearch('Patient'),
    birthdate: dateParam('http://hl7.org/fhir/SearchParameter/individual-birthdate', 'u."dateOfBirth"'),
    active: booleanParam(
      'http://hl7.org/fhir/SearchParameter/Patient-active',
      `coalesce(u."isDeleted", false) = false and u.status in ('active', 'pending_verification')`,
    ),
  },

  read({ users: user, patients: patient }, ctx) {
    const u = user ?? {};
    const p = patient ?? {};
    const resource: Omit<Patient, 'id' | 'meta'> = {
      resourceType: 'Patient',
      identifier: renderIdentifiers(u, p, ctx),
      active: u.isDeleted !== true && ACTIVE_STATUSES.includes(String(u.status ?? 'pending_verification')),
    };
    const name = renderOfficialName(str(u.firstName), str(u.lastName));
    if (name.length) resource.name = name;
    const telecom = renderTelecom(str(u.email), str(u.phoneNumber));
    if (telecom.length) resource.telecom = telecom;
    const gender = str(u.gender);
    if (gender) resource.gender = gender as Patient['gender'];
    if (str(u.dateOfBirth)) resource.birthDate = String(u.dateOfBirth).slice(0, 10);
    const address = renderAddress(u);
    if (address.length) resource.address = address;
    const marital = str(p.maritalStatus);
    if (marital) {
      const coding = MARITAL_STATUS[marital];
      resource.maritalStatus = coding ? { coding: [{ system: coding.system, code: coding.code }] } : { text: marital };
    }
    const contact = renderContact(p);
    if (contact.length) resource.contact = contact;
    return resource;
  },

  write(resource, ctx, existing) {
    const problems: WriteProblem[] = [];
    const systems = identifierSystems(ctx);
    const byName = (system: string) => resource.identifier?.find((i) => i.system === system)?.value;
    const name = officialName(resource.name);
    const nameIndex = name ? resource.name!.indexOf(name) : 0;
    const email = firstOf(resource.telecom, 'email');
    if (!name?.family || !name.given?.[0])
      problems.push({
        expression: 'Patient.name',
        diagnostics: 'a Patient needs an official name with family and given',
      });
    if (!email)
      problems.push({
        expression: 'Patient.telecom',
        diagnostics: 'a Patient needs an email address (telecom with system email)',
      });
    const ssn = byName(US_SSN);
    if (ssn !== undefined && !ctx.secrets.available)
      problems.push({
        expression: 'Patient.identifier',
        diagnostics: 'an SSN can only be stored when DATA_ENCRYPTION_KEY is configured',
      });
    const maritalCoding = resource.maritalStatus?.coding?.find((c) => maritalStatusColumn(c.system, c.code));
    const marital = maritalCoding ? maritalStatusColumn(maritalCoding.system, maritalCoding.code) : undefined;
    if (resource.maritalStatus && !marital)
      problems.push({
        expression: 'Patient.maritalStatus',
        diagnostics: 'maritalStatus needs a v3 MaritalStatus code',
      });
    const contact = resource.contact?.[0];
    const previousStatus = str(existing?.users?.status);
    const status =
      resource.active === false
        ? 'inactive'
        : resource.active === true && !ACTIVE_STATUSES.includes(previousStatus ?? 'pending_verification')
          ? 'active'
          : undefined;
    const number = byName(systems.number);
    const parent: Record<string, unknown> = {
      firstName: fits(problems, `Patient.name[${nameIndex}].given[0]`, name?.given?.[0], 100),
      lastName: fits(problems, `Patient.name[${nameIndex}].family`, name?.family, 100),
      email: fits(problems, 'Patient.telecom', email, 255),
      phoneNumber: fits(problems, 'Patient.telecom', firstOf(resource.telecom, 'phone'), 20),
      gender: resource.gender ?? null,
      dateOfBirth: fullDate(resource.birthDate),
      ...addressColumns(resource.address, problems, 'Patient'),
      ...(status ? { status } : {}),
      ...(number !== undefined ? { userId: fits(problems, 'Patient.identifier', number, 20) } : {}),
    };
    const root: Record<string, unknown> = {
      patientId: fits(problems, 'Patient.identifier', byName(systems.mrn), 20),
      ssn: ssn !== undefined && ctx.secrets.available ? ctx.secrets.encrypt(ssn) : null,
      maritalStatus: marital ?? null,
      emergencyContactName: fits(problems, 'Patient.contact[0].name', contactName(contact), 100),
      emergencyContactPhone: fits(
        problems,
        'Patient.contact[0].telecom',
        contact?.telecom?.find((t) => t.system === 'phone')?.value,
        20,
      ),
      emergencyContactRelation: fits(
        problems,
        'Patient.contact[0].relationship',
        contact?.relationship?.[0]?.text ??
          contact?.relationship?.[0]?.coding?.[0]?.display ??
          contact?.relationship?.[0]?.coding?.[0]?.code,
        50,
      ),
    };
    return { root, parent, problems, hashes: [{ system: US_SSN, value: ssn }] };
  },

  createDefaults: () => ({ parent: { roles: ['patient'], status: 'pending_verification' } }),
  softDelete: { root: { deletedAt: 'now' }, parent: { isDeleted: true, deletedAt: 'now' } },
});
