// Slot (http://hl7.org/fhir/R4/slot.html): computed from a doctor's availability
// (doctors.availableSlots) minus the doctor's occupying appointments, never stored
// (Migration20261202000420ClinicalSlots). Read-only: a scheduling app finds a free slot with
// `Slot?schedule=...&status=free&start=ge...` and books it with a POST Appointment.
import type { Slot } from 'fhir/r4.js';
import { referenceParam } from './datatypes/clinical-search.js';
import { str } from './datatypes/columns.js';
import { SLOT_MINUTES } from './schedule.js';
import { dateParam, tokenParam } from './params.js';
import { defineMapping, type JsonRow } from './types.js';

export const SLOT_PROFILE = 'https://fhir-interop-server.dev/fhir/StructureDefinition/slot';

/** Slots searches and reads see: a doctor's planning horizon, or the one slot of an id. */
const FROM = 'doctors d cross join lateral fhir_slot_horizon(d.id) s';
const BY_ID = 'fhir_slot(?::uuid) s join doctors d on d.id = s.doctor_id';
/** The rows a Slot renders from (as fhir_snapshot_slot gives them), without computing the slot again. */
const SNAPSHOT = `jsonb_build_object('slot', jsonb_build_object('id', s.id, 'doctorId', s.doctor_id,
  'start', s.start, 'end', s."end", 'status', s.status, 'minutes', s.minutes))`;

const iso = (value: unknown) => {
  const text = str(value);
  return text ? new Date(text).toISOString() : undefined;
};

export const slotMapping = defineMapping<Slot>({
  resourceType: 'Slot',
  profile: SLOT_PROFILE,
  interactions: ['read', 'search-type'],
  source: {
    table: 'doctors',
    from: FROM,
    id: 's.id',
    appendOnly: {
      lastUpdated: 's.updated',
      byId: BY_ID,
      snapshot: SNAPSHOT,
      order: { sql: 's.start', descending: false },
    },
  },
  slots: [],
  summary: [
    'identifier',
    'serviceCategory',
    'serviceType',
    'specialty',
    'appointmentType',
    'schedule',
    'status',
    'start',
    'end',
  ],
  search: {
    schedule: referenceParam('http://hl7.org/fhir/SearchParameter/Slot-schedule', { Schedule: 'd.id' }),
    status: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/Slot-status',
      where: ({ system, code }) =>
        system !== undefined && system !== 'http://hl7.org/fhir/slotstatus'
          ? { sql: 'false', params: [] }
          : { sql: 's.status = ?', params: [code] },
    }),
    start: dateParam('http://hl7.org/fhir/SearchParameter/Slot-start', 's.start', { kind: 'timestamptz' }),
  },

  read({ slot: row }, ctx) {
    const s = (row ?? {}) as JsonRow;
    const minutes = typeof s.minutes === 'number' ? s.minutes : undefined;
    return {
      resourceType: 'Slot',
      ...(minutes ? { extension: [{ url: SLOT_MINUTES, valueInteger: minutes }] } : {}),
      schedule: ctx.ref('Schedule', String(s.doctorId)),
      status: s.status === 'busy' ? 'busy' : 'free',
      start: iso(s.start)!,
      end: iso(s.end)!,
    } as Omit<Slot, 'id' | 'meta'>;
  },

  softDelete: {},
});
