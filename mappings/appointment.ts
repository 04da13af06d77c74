// Appointment ⇄ appointments (http://hl7.org/fhir/R4/appointment.html): the booking of a patient
// with a doctor at a local time of the hospital (HOSPITAL_TIME_ZONE). The visit itself, once it
// took place, is the Encounter of the same row (mappings/encounter.ts).
import type { Appointment, AppointmentParticipant, Extension, Reference } from 'fhir/r4.js';
import { dateTimeParam, parseReference, referenceParam, lastUpdatedParam } from './datatypes/clinical-search.js';
import { fits, str } from './datatypes/columns.js';
import {
  addMinutes,
  fhirToTimestamp,
  instantToLocal,
  localToInstant,
  minutesBetween,
  timestampToFhir,
} from './datatypes/hospital-time.js';
import { EXTENSION_BASE, statusTable } from './datatypes/status-maps.js';
import { tokenParam } from './params.js';
import { defineMapping, READ_WRITE_INTERACTIONS, type JsonRow, type WriteProblem } from './types.js';

export const APPOINTMENT_PROFILE = 'https://fhir-interop-server.dev/fhir/StructureDefinition/appointment';
export const VIRTUAL_VISIT = `${EXTENSION_BASE}/virtual-visit`;
export const MEETING_LINK = `${EXTENSION_BASE}/meeting-link`;
export const REMINDER_SENT = `${EXTENSION_BASE}/reminder-sent`;
export const CANCELLED_BY = `${EXTENSION_BASE}/cancelled-by`;
export const APPOINTMENT_DATE = `${EXTENSION_BASE}/appointment-date`;
const OWN_EXTENSIONS = [VIRTUAL_VISIT, MEETING_LINK, REMINDER_SENT, CANCELLED_BY, APPOINTMENT_DATE];

/** appointments.status ⇄ AppointmentStatus; profiles/ConceptMap-appointment-status.json. */
export const APPOINTMENT_STATUS = statusTable<Appointment['status']>({
  toFhir: {
    scheduled: 'booked',
    confirmed: 'booked',
    proposed: 'proposed',
    pending: 'pending',
    arrived: 'arrived',
    checked_in: 'checked-in',
    'checked-in': 'checked-in',
    in_progress: 'arrived',
    completed: 'fulfilled',
    cancelled: 'cancelled',
    'no-show': 'noshow',
    no_show: 'noshow',
    noshow: 'noshow',
    'entered-in-error': 'entered-in-error',
    waitlist: 'waitlist',
  },
  fallback: 'pending',
  nullValue: 'scheduled',
});

/** Statuses that hold the practitioner's time: a booking over one of them is a double booking. */
export const OCCUPYING = ['scheduled', 'confirmed', 'pending', 'arrived', 'checked_in', 'checked-in', 'in_progress'];

const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const userIdentifier = (ctx: { identifierSystem(kind: string): string }) => ctx.identifierSystem('user-id');

function participants(a: JsonRow, ref: (type: 'Patient' | 'Practitioner', id: string) => Reference) {
  const list: AppointmentParticipant[] = [{ actor: ref('Patient', String(a.patientId)), status: 'accepted' }];
  if (str(a.doctorId)) list.push({ actor: ref('Practitioner', String(a.doctorId)), status: 'accepted' });
  return list;
}

/** The actor id of the first participant of a type (a reference as Type/id or an absolute URL). */
export function participantId(list: readonly AppointmentParticipant[] | undefined, type: string) {
  const index = list?.findIndex((p) => p.actor?.reference && parseReference(p.actor.reference).type === type) ?? -1;
  return index < 0 ? undefined : { index, id: parseReference(list![index]!.actor!.reference!).id };
}

/** The local wall time of a row: its date and HH:MM, when both are well formed. */
export function localStart(a: JsonRow): { date: string; time: string } | undefined {
  const date = str(a.appointmentDate)?.slice(0, 10);
  const time = str(a.appointmentTime);
  return date && time && HHMM.test(time) ? { date, time } : undefined;
}

export const appointmentMapping = defineMapping<Appointment>({
  resourceType: 'Appointment',
  profile: APPOINTMENT_PROFILE,
  interactions: READ_WRITE_INTERACTIONS,
  source: { table: 'appointments', from: 'appointments a', id: 'a.id' },
  compartment: { Patient: 'a."patientId"' },
  summary: [
    'identifier',
    'status',
    'cancelationReason',
    'serviceCategory',
    'serviceType',
    'specialty',
    'appointmentType',
    'reasonCode',
    'reasonReference',
    'priority',
    'description',
    'basedOn',
    'start',
    'end',
    'minutesDuration',
    'participant',
    'requestedPeriod',
  ],
  slots: [
    {
      path: 'participant',
      key: (item) => {
        const reference = (item.actor as Reference | undefined)?.reference;
        const type = reference ? parseReference(reference).type : undefined;
        return type === 'Patient' || type === 'Practitioner' ? type : undefined;
      },
    },
    { path: 'extension', key: (item) => (OWN_EXTENSIONS.includes(String(item.url)) ? String(item.url) : undefined) },
    { path: 'reasonCode', key: () => 'reason' },
  ],
  search: {
    _lastUpdated: lastUpdatedParam,
    patient: referenceParam('http://hl7.org/fhir/SearchParameter/Appointment-patient', { Patient: 'a."patientId"' }),
    practitioner: referenceParam('http://hl7.org/fhir/SearchParameter/Appointment-practitioner', {
      Practitioner: 'a."doctorId"',
    }),
    actor: referenceParam('http://hl7.org/fhir/SearchParameter/Appointment-actor', {
      Patient: 'a."patientId"',
      Practitioner: 'a."doctorId"',
    }),
    date: dateTimeParam(
      'http://hl7.org/fhir/SearchParameter/Appointment-date',
      (ctx) =>
        `(case when a."appointmentTime" ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' then (a."appointmentDate"::date + a."appointmentTime"::time) at time zone '${ctx.timeZone.replace(/'/g, "''")}' end)`,
    ),
    status: tokenParam({
      definition: 'http://hl7.org/fhir/SearchParameter/Appointment-status',
      where: ({ code }) => {
        const values = Object.entries(APPOINTMENT_STATUS.toFhir)
          .filter(([, c]) => c === code)
          .map(([v]) => v);
        if (code === APPOINTMENT_STATUS.render(null).code)
          return {
            sql: `(a.status is null or a.status in (${values.map(() => '?').join(', ')}))`,
            params: values,
          };
        return values.length
          ? { sql: `a.status in (${values.map(() => '?').join(', ')})`, params: values }
          : { sql: 'false', params: [] };
      },
    }),
  },

  read({ appointments: row, canceller }, ctx) {
    const a = row ?? {};
    const status = APPOINTMENT_STATUS.render(a.status);
    const extension: Extension[] = [];
    if (typeof a.isVirtual === 'boolean') extension.push({ url: VIRTUAL_VISIT, valueBoolean: a.isVirtual });
    if (str(a.meetingLink)) extension.push({ url: MEETING_LINK, valueUrl: String(a.meetingLink) });
    if (str(a.reminderSent)) extension.push({ url: REMINDER_SENT, valueDateTime: timestampToFhir(a.reminderSent) });
    if (str(a.cancelledBy)) {
      const who = (canceller ?? {}) as JsonRow;
      const reference = str(who.patient)
        ? ctx.ref('Patient', String(who.patient))
        : str(who.doctor)
          ? ctx.ref('Practitioner', String(who.doctor))
          : {};
      extension.push({
        url: CANCELLED_BY,
        valueReference: { ...reference, identifier: { system: userIdentifier(ctx), value: String(a.cancelledBy) } },
      });
    }
    const local = localStart(a);
    const start = local ? localToInstant(local.date, local.time, ctx.timeZone) : undefined;
    const back = start ? instantToLocal(start, ctx.timeZone) : undefined;
    // the exact columns when start cannot say them: a date with a time of day, a time in a DST gap, a malformed time
    if (
      !start ||
      !back ||
      back.date !== local?.date ||
      back.time !== local.time ||
      !/T00:00:00$/.test(String(a.appointmentDate))
    )
      extension.push({
        url: APPOINTMENT_DATE,
        extension: [
          { url: 'date', valueDateTime: timestampToFhir(a.appointmentDate) },
          { url: 'time', valueString: String(a.appointmentTime) },
        ],
      });
    const duration = typeof a.duration === 'number' ? a.duration : undefined;
    return {
      resourceType: 'Appointment',
      ...(extension.length ? { extension } : {}),
      status: status.code,
      ...(status.extension.length ? { _status: { extension: status.extension } } : {}),
      ...(str(a.cancelledReason) ? { cancelationReason: { text: String(a.cancelledReason) } } : {}),
      ...(str(a.reason) ? { reasonCode: [{ text: String(a.reason) }] } : {}),
      ...(start ? { start } : {}),
      ...(start && duration !== undefined && duration > 0 ? { end: addMinutes(start, duration, ctx.timeZone) } : {}),
      ...(duration !== undefined && duration > 0 ? { minutesDuration: duration } : {}),
      ...(duration !== undefined && duration <= 0
        ? { _minutesDuration: { extension: [{ url: `${EXTENSION_BASE}/source-duration`, valueInteger: duration }] } }
        : {}),
      ...(str(a.createdAt) ? { created: timestampToFhir(a.createdAt) } : {}),
      ...(str(a.notes) ? { comment: String(a.notes) } : {}),
      participant: participants(a, (type, id) => ctx.ref(type, id)),
    } as Omit<Appointment, 'id' | 'meta'>;
  },

  write(resource, ctx, existing) {
    const problems: WriteProblem[] = [];
    const references: { expression: string; type: 'Patient' | 'Practitioner'; id: string }[] = [];
    const ext = (url: string) => resource.extension?.find((e) => e.url === url);
    const patient = participantId(resource.participant, 'Patient');
    const doctor = participantId(resource.participant, 'Practitioner');
    if (!patient)
      problems.push({
        expression: 'Appointment.participant',
        diagnostics: 'an Appointment needs a participant whose actor is a Patient (appointments.patientId)',
      });
    else
      references.push({
        expression: `Appointment.participant[${patient.index}].actor`,
        type: 'Patient',
        id: patient.id,
      });
    if (doctor)
      references.push({
        expression: `Appointment.participant[${doctor.index}].actor`,
        type: 'Practitioner',
        id: doctor.id,
      });

    const status = APPOINTMENT_STATUS.column(resource.status, resource._status?.extension);
    if (status === undefined)
      problems.push({
        expression: 'Appointment.status',
        diagnostics: `the status ${resource.status} has no appointments.status value`,
      });

    // start → the local date and HH:MM; the exact columns when the appointment-date extension agrees
    let appointmentDate: string | undefined;
    let appointmentTime: string | undefined;
    const exact = ext(APPOINTMENT_DATE);
    if (resource.start === undefined)
      problems.push({
        expression: 'Appointment.start',
        diagnostics: 'an Appointment needs a start (appointmentDate is NOT NULL)',
      });
    else {
      const local = instantToLocal(resource.start, ctx.timeZone);
      if (!local || !/(Z|[+-]\d{2}:\d{2})$/.test(resource.start))
        problems.push({ expression: 'Appointment.start', diagnostics: 'start must be an instant with a time zone' });
      else {
        const exactDate = fhirToTimestamp(exact?.extension?.find((e) => e.url === 'date')?.valueDateTime);
        const exactTime = exact?.extension?.find((e) => e.url === 'time')?.valueString;
        const localAgain = (() => {
          const start =
            exactDate && exactTime && HHMM.test(exactTime)
              ? localToInstant(exactDate.slice(0, 10), exactTime, ctx.timeZone)
              : undefined;
          return start !== undefined && Date.parse(start) === Date.parse(resource.start!);
        })();
        if (exactDate && exactTime !== undefined && (localAgain || !HHMM.test(exactTime))) {
          appointmentDate = exactDate;
          appointmentTime = exactTime;
        } else {
          if (!local.wholeMinute)
            problems.push({
              expression: 'Appointment.start',
              diagnostics: 'start must be on a whole minute (appointmentTime holds HH:MM)',
            });
          appointmentDate = `${local.date}T00:00:00`;
          appointmentTime = local.time;
        }
      }
    }
    let duration: number | null = resource.minutesDuration ?? null;
    if (resource.start && resource.end) {
      const between = minutesBetween(resource.start, resource.end);
      if (!Number.isInteger(between) || between <= 0)
        problems.push({
          expression: 'Appointment.end',
          diagnostics: 'end must be a whole number of minutes after start',
        });
      else if (duration !== null && duration !== between)
        problems.push({
          expression: 'Appointment.minutesDuration',
          diagnostics: `minutesDuration ${duration} does not match end − start (${between} minutes)`,
        });
      else duration = between;
    }
    const sourceDuration = resource._minutesDuration?.extension?.find(
      (e) => e.url === `${EXTENSION_BASE}/source-duration`,
    );
    if (duration === null && sourceDuration?.valueInteger !== undefined) duration = sourceDuration.valueInteger;

    const cancelledBy = ext(CANCELLED_BY)?.valueReference;
    const cancellerId =
      cancelledBy?.identifier?.system === userIdentifier(ctx) ? cancelledBy.identifier.value : undefined;
    if (cancelledBy && !cancellerId)
      problems.push({
        expression: 'Appointment.extension',
        diagnostics: `cancelled-by needs the user's identifier (system ${userIdentifier(ctx)}, the users.id)`,
      });
    const reminder = ext(REMINDER_SENT)?.valueDateTime;
    const reminderSent = fhirToTimestamp(reminder);
    if (reminderSent === undefined)
      problems.push({
        expression: 'Appointment.extension',
        diagnostics: 'reminder-sent must be a dateTime with a time zone',
      });
    const created = resource.created === undefined ? undefined : fhirToTimestamp(resource.created);
    if (created === undefined && resource.created !== undefined)
      problems.push({ expression: 'Appointment.created', diagnostics: 'created must be a dateTime with a time zone' });
    const isVirtual = ext(VIRTUAL_VISIT)?.valueBoolean;

    const root: Record<string, unknown> = {
      patientId: patient?.id,
      doctorId: doctor?.id ?? null,
      appointmentDate,
      appointmentTime,
      duration,
      status,
      reason: resource.reasonCode?.[0]?.text ?? null,
      notes: resource.comment ?? null,
      isVirtual: isVirtual ?? (existing ? null : false),
      meetingLink: fits(problems, 'Appointment.extension', ext(MEETING_LINK)?.valueUrl, 500),
      reminderSent,
      cancelledReason: resource.cancelationReason?.text ?? null,
      cancelledBy: cancellerId ?? null,
      ...(created ? { createdAt: created } : {}),
    };
    return { root, problems, references };
  },

  conflicts(plan, id) {
    const { doctorId, appointmentDate, appointmentTime, duration, status } = plan.root as Record<
      string,
      string | number | null
    >;
    if (!doctorId || !appointmentDate || typeof appointmentTime !== 'string' || !HHMM.test(appointmentTime)) return [];
    if (!OCCUPYING.includes(String(status ?? 'scheduled'))) return [];
    const start = `${String(appointmentDate).slice(0, 10)} ${appointmentTime}`;
    const minutes = Math.max(typeof duration === 'number' ? duration : 0, 1);
    const slot = `(a."appointmentDate"::date + a."appointmentTime"::time)`;
    return [
      {
        lock: {
          sql: 'select pg_advisory_xact_lock(hashtextextended(?, 0))',
          params: [`appointments/doctor/${doctorId}`],
        },
        conflict: {
          sql: `select a.id from appointments a
                 where a."doctorId" = ?::uuid and a.id <> ?::uuid and a."deletedAt" is null
                   and coalesce(a.status, 'scheduled') in (${OCCUPYING.map(() => '?').join(', ')})
                   and a."appointmentTime" ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
                   and ${slot} < ?::timestamp + make_interval(mins => ?)
                   and ?::timestamp < ${slot} + make_interval(mins => greatest(coalesce(a.duration, 0), 1))
                 limit 1`,
          params: [doctorId, id, ...OCCUPYING, start, minutes, start],
        },
        expression: 'Appointment.start',
        diagnostics: `the practitioner Practitioner/${doctorId} already has an appointment at that time (double booking)`,
      },
    ];
  },

  softDelete: { root: { deletedAt: 'now' } },
});
