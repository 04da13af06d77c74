// Schedule ⇄ doctors (http://hl7.org/fhir/R4/schedule.html): one per practitioner, the container of
// the bookable time that doctors.availableSlots describes. Read-only: the availability is written
// through the hospital's own application.
import type { Extension, Schedule } from 'fhir/r4.js';
import type { AvailableSlots } from '../src/db/jsonb/shapes.js';
import { referenceParam } from './datatypes/clinical-search.js';
import { str } from './datatypes/columns.js';
import { EXTENSION_BASE } from './datatypes/status-maps.js';
import { tokenParam } from './params.js';
import { defineMapping, type JsonRow } from './types.js';

export const SCHEDULE_PROFILE = 'https://fhir-interop-server.dev/fhir/StructureDefinition/schedule';
export const SLOT_MINUTES = `${EXTENSION_BASE}/slot-minutes`;
export const TIME_ZONE = `${EXTENSION_BASE}/time-zone`;

const days = (slots: AvailableSlots) =>
  (slots.slots ?? [])
    .filter((s) => s.status === 'available')
    .map((s) => `${s.day ?? s.date} ${s.start}–${s.end}`)
    .join(', ');

export const scheduleMapping = defineMapping<Schedule>({
  resourceType: 'Schedule',
  profile: SCHEDULE_PROFILE,
  interactions: ['read', 'vread', 'search-type', 'history-instance', 'history-type'],
  source: { table: 'doctors', from: 'doctors d', id: 'd.id' },
  summary: ['identifier', 'active', 'serviceCategory', 'serviceType', 'specialty', 'actor', 'planningHorizon'],
  slots: [],
  search: {
    actor: referenceParam('http://hl7.org/fhir/SearchParameter/Schedule-actor', { Practitioner: 'd.id' }),
    active: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/Schedule-active',
      where: ({ code }) => ({ sql: 'coalesce(d."isActive", true) = ?', params: [code === 'true'] }),
    }),
    specialty: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/Schedule-specialty',
      where: ({ code }) => ({ sql: 'lower(d.specialization) = lower(?)', params: [code] }),
    }),
  },

  read({ doctors: row }, ctx) {
    const d = (row ?? {}) as JsonRow;
    const slots = (d.availableSlots ?? {}) as AvailableSlots;
    const extension: Extension[] = [
      ...(slots.timeZone ? [{ url: TIME_ZONE, valueCode: slots.timeZone }] : []),
      ...(slots.slotMinutes ? [{ url: SLOT_MINUTES, valueInteger: slots.slotMinutes }] : []),
    ];
    const open = days(slots);
    return {
      resourceType: 'Schedule',
      ...(extension.length ? { extension } : {}),
      active: d.isActive !== false,
      ...(str(d.specialization) ? { specialty: [{ text: String(d.specialization) }] } : {}),
      actor: [ctx.ref('Practitioner', String(d.id))],
      ...(open ? { comment: `Open ${open} (${slots.timeZone ?? ctx.timeZone})` } : {}),
    } as Omit<Schedule, 'id' | 'meta'>;
  },

  softDelete: {},
});
