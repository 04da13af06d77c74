// PractitionerRole ⇄ doctors (http://hl7.org/fhir/R4/practitionerrole.html): the practitioner's
// role in the hospital directory: specialty, weekly availability from availableSlots, fee,
// experience and rating. Read-only: the row is written through Practitioner.
import type { PractitionerRole, PractitionerRoleAvailableTime, PractitionerRoleNotAvailable } from 'fhir/r4.js';
import type { AvailableSlots } from '../src/db/jsonb/shapes.js';
import { str } from './datatypes/columns.js';
import { booleanParam, referenceParam, tokenParam } from './params.js';
import { defineMapping } from './types.js';

export const PRACTITIONER_ROLE_PROFILE = 'https://fhir-interop-server.dev/fhir/StructureDefinition/practitioner-role';
const EXT = 'https://fhir-interop-server.dev/fhir/StructureDefinition';

function availability(slots: AvailableSlots | null | undefined) {
  const availableTime: PractitionerRoleAvailableTime[] = [];
  const notAvailable: PractitionerRoleNotAvailable[] = [];
  for (const slot of slots?.slots ?? []) {
    if (slot.day && slot.status === 'available')
      availableTime.push({
        daysOfWeek: [slot.day],
        availableStartTime: `${slot.start}:00`,
        availableEndTime: `${slot.end}:00`,
      });
    else if (slot.date && slot.status === 'unavailable')
      notAvailable.push({
        description: slot.comment ?? 'Not available',
        during: { start: `${slot.date}T${slot.start}:00`, end: `${slot.date}T${slot.end}:00` },
      });
    else if (slot.day)
      notAvailable.push({ description: slot.comment ?? `Not available on ${slot.day} ${slot.start}-${slot.end}` });
    // a dated extra opening has no PractitionerRole form; Schedule and Slot show it
  }
  return { availableTime, notAvailable };
}

export const practitionerRoleMapping = defineMapping<PractitionerRole>({
  resourceType: 'PractitionerRole',
  profile: PRACTITIONER_ROLE_PROFILE,
  interactions: ['read', 'vread', 'search-type', 'history-instance', 'history-type'],
  source: { table: 'doctors', from: 'doctors d join users u on u.id = d."userId"', id: 'd.id' },
  summary: [
    'identifier',
    'active',
    'period',
    'practitioner',
    'organization',
    'code',
    'specialty',
    'location',
    'healthcareService',
    'telecom',
    'endpoint',
  ],
  slots: [],
  search: {
    practitioner: referenceParam('http://hl7.org/fhir/SearchParameter/PractitionerRole-practitioner', {
      Practitioner: 'd.id',
    }),
    specialty: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/PractitionerRole-specialty',
      documentation: 'The specialty as text (specialty has no coding here): code or :text, case-insensitive',
      missing: 'd.specialization is null',
      sort: 'd.specialization',
      text: ['d.specialization'],
      where: ({ system, code }) =>
        system ? { sql: 'false', params: [] } : { sql: 'lower(d.specialization) = lower(?)', params: [code] },
    }),
    active: booleanParam('http://hl7.org/fhir/SearchParameter/PractitionerRole-active', 'coalesce(d."isActive", true)'),
  },

  read({ doctors: doctor, users: user }, ctx) {
    const d = doctor ?? {};
    const u = user ?? {};
    const { availableTime, notAvailable } = availability(d.availableSlots as AvailableSlots | null);
    const extension = [
      ...(str(d.consultationFee)
        ? [{ url: `${EXT}/consultation-fee`, valueMoney: { value: Number(d.consultationFee), currency: 'USD' } }]
        : []),
      ...(typeof d.yearsOfExperience === 'number'
        ? [{ url: `${EXT}/years-of-experience`, valueInteger: d.yearsOfExperience }]
        : []),
      ...(typeof d.rating === 'number' ? [{ url: `${EXT}/rating`, valueDecimal: d.rating }] : []),
      ...(typeof d.totalConsultations === 'number'
        ? [{ url: `${EXT}/total-consultations`, valueInteger: d.totalConsultations }]
        : []),
      ...(str(d.biography) ? [{ url: `${EXT}/biography`, valueMarkdown: String(d.biography) }] : []),
    ];
    const name = [u.firstName, u.lastName].filter(Boolean).join(' ');
    return {
      resourceType: 'PractitionerRole',
      ...(extension.length ? { extension } : {}),
      active: d.isActive !== false && u.isDeleted !== true,
      practitioner: { ...ctx.ref('Practitioner', String(d.id)), ...(name ? { display: `Dr. ${name}` } : {}) },
      ...(str(d.specialization) ? { specialty: [{ text: String(d.specialization) }] } : {}),
      ...(availableTime.length ? { availableTime } : {}),
      ...(notAvailable.length ? { notAvailable } : {}),
    };
  },
  softDelete: { root: { deletedAt: 'now' } },
});
