// Encounter from an appointment that took place (http://hl7.org/fhir/R4/encounter.html): the visit,
// with the same id as its Appointment, its class (ambulatory or virtual), period, practitioner,
// reason, diagnosis and treatment. Read-only: the row is written through Appointment.
import type { Encounter, Extension } from 'fhir/r4.js';
import { localStart } from './appointment.js';
import { dateTimeParam, lastUpdatedParam, referenceParam } from './datatypes/clinical-search.js';
import { str } from './datatypes/columns.js';
import { addMinutes, localToInstant } from './datatypes/hospital-time.js';
import { EXTENSION_BASE, statusTable } from './datatypes/status-maps.js';
import { tokenParam } from './params.js';
import { defineMapping, type JsonRow } from './types.js';

export const ENCOUNTER_PROFILE = 'https://fhir-interop-server.dev/fhir/StructureDefinition/encounter';
export const TREATMENT = `${EXTENSION_BASE}/treatment`;
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';

/** appointments.status of a visit that took place ⇄ Encounter.status (the migration's VISIT_TOOK_PLACE). */
export const ENCOUNTER_STATUS = statusTable<Encounter['status']>({
  toFhir: {
    completed: 'finished',
    in_progress: 'in-progress',
    'in-progress': 'in-progress',
    arrived: 'arrived',
    checked_in: 'arrived',
    'checked-in': 'arrived',
  },
  fallback: 'unknown',
  nullValue: 'completed',
});

const startOf = (timeZone: string) =>
  `(case when a."appointmentTime" ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' then (a."appointmentDate"::date + a."appointmentTime"::time) at time zone '${timeZone.replace(/'/g, "''")}' end)`;

export const encounterMapping = defineMapping<Encounter>({
  resourceType: 'Encounter',
  profile: ENCOUNTER_PROFILE,
  interactions: ['read', 'vread', 'search-type', 'history-instance', 'history-type'],
  source: { table: 'appointments', from: 'appointments a', id: 'a.id' },
  compartment: { Patient: 'a."patientId"' },
  summary: [
    'identifier',
    'status',
    'class',
    'type',
    'serviceType',
    'priority',
    'subject',
    'basedOn',
    'participant',
    'appointment',
    'period',
    'length',
    'reasonCode',
    'reasonReference',
    'diagnosis',
    'account',
    'location',
    'serviceProvider',
    'partOf',
  ],
  slots: [],
  search: {
    _lastUpdated: lastUpdatedParam,
    patient: referenceParam('http://hl7.org/fhir/SearchParameter/clinical-patient', { Patient: 'a."patientId"' }),
    subject: referenceParam('http://hl7.org/fhir/SearchParameter/Encounter-subject', { Patient: 'a."patientId"' }),
    practitioner: referenceParam('http://hl7.org/fhir/SearchParameter/Encounter-practitioner', {
      Practitioner: 'a."doctorId"',
    }),
    appointment: referenceParam('http://hl7.org/fhir/SearchParameter/Encounter-appointment', { Appointment: 'a.id' }),
    date: dateTimeParam('http://hl7.org/fhir/SearchParameter/clinical-date', (ctx) => startOf(ctx.timeZone)),
    status: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/Encounter-status',
      where: ({ code }) => {
        const values = Object.entries(ENCOUNTER_STATUS.toFhir)
          .filter(([, c]) => c === code)
          .map(([v]) => v);
        return values.length
          ? { sql: `a.status in (${values.map(() => '?').join(', ')})`, params: values }
          : { sql: 'false', params: [] };
      },
    }),
  },

  read({ appointments: row }, ctx) {
    const a = (row ?? {}) as JsonRow;
    const status = ENCOUNTER_STATUS.render(a.status);
    const local = localStart(a);
    const start = local ? localToInstant(local.date, local.time, ctx.timeZone) : undefined;
    const minutes = typeof a.duration === 'number' && a.duration > 0 ? a.duration : undefined;
    const extension: Extension[] = str(a.treatment) ? [{ url: TREATMENT, valueString: String(a.treatment) }] : [];
    return {
      resourceType: 'Encounter',
      ...(extension.length ? { extension } : {}),
      status: status.code,
      ...(status.extension.length ? { _status: { extension: status.extension } } : {}),
      class:
        a.isVirtual === true
          ? { system: ACT_CODE, code: 'VR', display: 'virtual' }
          : { system: ACT_CODE, code: 'AMB', display: 'ambulatory' },
      subject: ctx.ref('Patient', String(a.patientId)),
      ...(str(a.doctorId)
        ? {
            participant: [
              {
                type: [{ coding: [{ system: PARTICIPATION, code: 'PPRF', display: 'primary performer' }] }],
                individual: ctx.ref('Practitioner', String(a.doctorId)),
              },
            ],
          }
        : {}),
      appointment: [ctx.ref('Appointment', String(a.id))],
      ...(start ? { period: { start, ...(minutes ? { end: addMinutes(start, minutes, ctx.timeZone) } : {}) } } : {}),
      ...(minutes ? { length: { value: minutes, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' } } : {}),
      ...(str(a.reason) ? { reasonCode: [{ text: String(a.reason) }] } : {}),
      ...(str(a.diagnosis) ? { diagnosis: [{ condition: { display: String(a.diagnosis) } }] } : {}),
    } as Omit<Encounter, 'id' | 'meta'>;
  },

  softDelete: { root: { deletedAt: 'now' } },
});
