// Practitioner ⇄ users + doctors (http://hl7.org/fhir/R4/practitioner.html): the person, their
// numbers, degrees, certifications and licence. The required specialization comes in the
// practitioner-specialization extension (profiles/StructureDefinition-practitioner.json).
import type { Identifier, Practitioner, PractitionerQualification } from 'fhir/r4.js';
import { addressColumns, homeAddressSlot, renderAddress } from './datatypes/address.js';
import { fits, fullDate, str } from './datatypes/columns.js';
import { firstOf, renderTelecom, telecomSlot } from './datatypes/contact-point.js';
import { officialName, officialNameSlot, renderOfficialName } from './datatypes/human-name.js';
import { personSearch } from './datatypes/person-search.js';
import { identifierParam, identifierType, identifierTypeCodingSlot } from './datatypes/identifier-search.js';
import { booleanParam } from './params.js';
import { defineMapping, READ_WRITE_INTERACTIONS, type JsonRow, type MapContext, type WriteProblem } from './types.js';

/** The rows a resource is read and searched from. */
const FROM = 'doctors d join users u on u.id = d."userId"';

export const PRACTITIONER_PROFILE = 'https://fhir-interop-server.dev/fhir/StructureDefinition/practitioner';
export const SPECIALIZATION_EXTENSION =
  'https://fhir-interop-server.dev/fhir/StructureDefinition/practitioner-specialization';
export const QUALIFICATION_KIND = 'https://fhir-interop-server.dev/fhir/CodeSystem/qualification-kind';

const systemsOf = (ctx: MapContext) => ({
  number: ctx.identifierSystem('practitioner-number'),
  staff: ctx.identifierSystem('doctor-id'),
  license: ctx.identifierSystem('license-number'),
  registration: ctx.identifierSystem('registration-number'),
});

/** v2-0203 types: DOC- is the provider number, doctorId the employee number; registration has none. */
const TYPES = { number: 'PRN', staff: 'EI', license: 'MD' } as const;

const kindOf = (q: { code?: { coding?: { system?: string; code?: string }[] } }) =>
  q.code?.coding?.find((c) => c.system === QUALIFICATION_KIND)?.code;

/** Column-owned qualifications carry their kind: degree, certification or license. */
function qualificationKey(item: Record<string, unknown>): string | undefined {
  const q = item as unknown as PractitionerQualification;
  const kind = kindOf(q);
  if (kind === 'license') return 'license';
  return kind === 'degree' || kind === 'certification' ? `${kind}|${q.code?.text ?? ''}` : undefined;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

function renderQualifications(d: JsonRow, ctx: MapContext): PractitionerQualification[] {
  const kind = (code: string, text: string): PractitionerQualification => ({
    code: { coding: [{ system: QUALIFICATION_KIND, code }], text },
  });
  const out = [
    ...strings(d.qualifications).map((q) => kind('degree', q)),
    ...strings(d.certifications).map((c) => kind('certification', c)),
  ];
  if (str(d.licenseNumber))
    out.push({
      identifier: [{ system: systemsOf(ctx).license, value: String(d.licenseNumber) }],
      code: { coding: [{ system: QUALIFICATION_KIND, code: 'license' }], text: 'Medical license' },
      ...(str(d.licenseExpiry) ? { period: { end: String(d.licenseExpiry).slice(0, 10) } } : {}),
    });
  return out;
}

export const practitionerMapping = defineMapping<Practitioner>({
  resourceType: 'Practitioner',
  profile: PRACTITIONER_PROFILE,
  conformsTo: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-practitioner'],
  interactions: READ_WRITE_INTERACTIONS,
  source: {
    table: 'doctors',
    from: FROM,
    id: 'd.id',
    parent: { table: 'users', link: 'userId' },
    numbering: { table: 'users', column: 'userId', prefix: 'DOC-', width: 6, sequence: 'fhir_practitioner_number_seq' },
  },
  summary: ['identifier', 'active', 'name', 'telecom', 'address', 'gender', 'birthDate'],
  slots: [
    { path: 'identifier', key: (item) => (typeof item.system === 'string' ? item.system : undefined) },
    identifierTypeCodingSlot,
    officialNameSlot,
    telecomSlot,
    homeAddressSlot,
    { path: 'photo', key: (item) => (typeof item.url === 'string' ? 'profile' : undefined) },
    { path: 'qualification', key: qualificationKey },
    { path: 'extension', key: (item) => (item.url === SPECIALIZATION_EXTENSION ? 'specialization' : undefined) },
  ],
  search: {
    identifier: identifierParam(
      'http://hl7.org/fhir/SearchParameter/Practitioner-identifier',
      (ctx) => {
        const s = systemsOf(ctx);
        return [
          { system: s.number, type: TYPES.number, column: 'u."userId"' },
          { system: s.staff, type: TYPES.staff, column: 'd."doctorId"' },
          { system: s.license, type: TYPES.license, column: 'd."licenseNumber"' },
          { system: s.registration, column: 'd."registrationNumber"' },
        ];
      },
      { rows: { id: 'd.id', from: FROM }, types: Object.values(TYPES) },
    ),
    ...personSearch('Practitioner'),
    active: booleanParam(
      'http://hl7.org/fhir/SearchParameter/Practitioner-active',
      `coalesce(d."isActive", true) and not coalesce(u."isDeleted", false) and coalesce(u.status, '') <> 'inactive'`,
    ),
  },

  read({ users: user, doctors: doctor }, ctx) {
    const u = user ?? {};
    const d = doctor ?? {};
    const s = systemsOf(ctx);
    const identifier: Identifier[] = [
      { system: s.number, type: identifierType(TYPES.number), value: String(u.userId) },
    ];
    if (str(d.doctorId))
      identifier.push({ system: s.staff, type: identifierType(TYPES.staff), value: String(d.doctorId) });
    if (str(d.licenseNumber))
      identifier.push({ system: s.license, type: identifierType(TYPES.license), value: String(d.licenseNumber) });
    if (str(d.registrationNumber)) identifier.push({ system: s.registration, value: String(d.registrationNumber) });
    const resource: Omit<Practitioner, 'id' | 'meta'> = {
      resourceType: 'Practitioner',
      identifier,
      active: d.isActive !== false && u.isDeleted !== true && u.status !== 'inactive',
    };
    if (str(d.specialization))
      resource.extension = [
        { url: SPECIALIZATION_EXTENSION, valueCodeableConcept: { text: String(d.specialization) } },
      ];
    const name = renderOfficialName(str(u.firstName), str(u.lastName));
    if (name.length) resource.name = name;
    const telecom = renderTelecom(str(u.email), str(u.phoneNumber));
    if (telecom.length) resource.telecom = telecom;
    if (str(u.gender)) resource.gender = u.gender as Practitioner['gender'];
    if (str(u.dateOfBirth)) resource.birthDate = String(u.dateOfBirth).slice(0, 10);
    const address = renderAddress(u);
    if (address.length) resource.address = address;
    if (str(d.profileImageUrl)) resource.photo = [{ url: String(d.profileImageUrl) }];
    const qualification = renderQualifications(d, ctx);
    if (qualification.length) resource.qualification = qualification;
    return resource;
  },

  write(resource, ctx) {
    const problems: WriteProblem[] = [];
    const s = systemsOf(ctx);
    const value = (system: string) => resource.identifier?.find((i) => i.system === system)?.value;
    const name = officialName(resource.name);
    const nameIndex = name ? resource.name!.indexOf(name) : 0;
    const email = firstOf(resource.telecom, 'email');
    if (!name?.family || !name.given?.[0])
      problems.push({
        expression: 'Practitioner.name',
        diagnostics: 'a Practitioner needs an official name with family and given',
      });
    if (!email)
      problems.push({
        expression: 'Practitioner.telecom',
        diagnostics: 'a Practitioner needs an email address (telecom with system email)',
      });
    const specialization = resource.extension?.find((e) => e.url === SPECIALIZATION_EXTENSION)?.valueCodeableConcept;
    const specializationText =
      specialization?.text ?? specialization?.coding?.[0]?.display ?? specialization?.coding?.[0]?.code;
    if (!specializationText)
      problems.push({
        expression: 'Practitioner.extension',
        diagnostics: `a Practitioner needs its specialization in the extension ${SPECIALIZATION_EXTENSION}`,
      });
    const qualifications = resource.qualification ?? [];
    const license = qualifications.find((q) => kindOf(q) === 'license');
    const texts = (kind: string) =>
      qualifications.filter((q) => kindOf(q) === kind && q.code?.text).map((q) => q.code!.text!);
    const number = value(s.number);
    const photo = resource.photo?.find((p) => typeof p.url === 'string')?.url;
    return {
      problems,
      parent: {
        firstName: fits(problems, `Practitioner.name[${nameIndex}].given[0]`, name?.given?.[0], 100),
        lastName: fits(problems, `Practitioner.name[${nameIndex}].family`, name?.family, 100),
        email: fits(problems, 'Practitioner.telecom', email, 255),
        phoneNumber: fits(problems, 'Practitioner.telecom', firstOf(resource.telecom, 'phone'), 20),
        gender: resource.gender ?? null,
        dateOfBirth: fullDate(resource.birthDate),
        ...addressColumns(resource.address, problems, 'Practitioner'),
        ...(number !== undefined ? { userId: fits(problems, 'Practitioner.identifier', number, 20) } : {}),
      },
      root: {
        doctorId: fits(problems, 'Practitioner.identifier', value(s.staff), 20),
        licenseNumber: fits(
          problems,
          'Practitioner.identifier',
          value(s.license) ?? license?.identifier?.[0]?.value,
          50,
        ),
        licenseExpiry: fullDate(license?.period?.end?.slice(0, 10)),
        registrationNumber: fits(problems, 'Practitioner.identifier', value(s.registration), 50),
        specialization: fits(problems, 'Practitioner.extension', specializationText, 100),
        qualifications: texts('degree'),
        certifications: texts('certification'),
        profileImageUrl: fits(problems, 'Practitioner.photo', photo, 500),
        isActive: resource.active !== false,
      },
    };
  },

  createDefaults: () => ({ parent: { roles: ['doctor'], status: 'active' } }),
  softDelete: { root: { deletedAt: 'now' }, parent: { isDeleted: true, deletedAt: 'now' } },
});
