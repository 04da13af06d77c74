// Slot (http://hl7.org/fhir/R4/slot.html) is computed, not stored: a doctor's availability
// (doctors.availableSlots: weekly days or dates, HH:MM windows in its time zone, slotMinutes) cut
// into slots, each busy while an occupying appointment of that doctor overlaps it, else free.
//
// A Slot's id encodes what it is: the first 16 hex digits of the doctor's id, then the slot's
// start in minutes since 1970 (16 hex digits), spelled as a uuid. A read decodes it and computes
// that one day of that doctor; searches compute the planning horizon of the doctors they reach.
// The hospital's time zone (appointments hold local times) is kept in fhir_settings by the server.
import { Migration } from '@mikro-orm/migrations';

/** Appointment statuses that occupy the doctor's time: the double-booking rule's (a test keeps them equal). */
export const SLOT_OCCUPYING = [
  'scheduled',
  'confirmed',
  'pending',
  'arrived',
  'checked_in',
  'checked-in',
  'in_progress',
];
const OCCUPYING = `(${SLOT_OCCUPYING.map((s) => `'${s}'`).join(', ')})`;
const HHMM = `'^([01][0-9]|2[0-3]):[0-5][0-9]$'`;

export class Migration20261202000420ClinicalSlots extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "fhir_settings" (
      "name" varchar(64) not null,
      "value" text not null,
      constraint "fhir_settings_pkey" primary key ("name")
    );`);
    this.addSql(`create or replace function fhir_setting(p_name text, p_default text) returns text
      language sql stable as $$ select coalesce((select value from fhir_settings where name = p_name), p_default) $$;`);

    // A time zone PostgreSQL knows, else the fallback (a bad availableSlots.timeZone is not an error).
    this.addSql(`create or replace function fhir_time_zone(p_tz text, p_fallback text) returns text
      language plpgsql stable as $$
        begin
          if p_tz is null or p_tz = '' then return p_fallback; end if;
          perform now() at time zone p_tz;
          return p_tz;
        exception when others then
          return p_fallback;
        end $$;`);

    // The slots of one doctor whose local day is in [p_from, p_to).
    this.addSql(`create or replace function fhir_doctor_slots(p_doctor uuid, p_from date, p_to date)
      returns table (id uuid, doctor_id uuid, start timestamptz, "end" timestamptz, status text, minutes int, updated timestamp)
      language sql stable as $$
        with cfg as (
          select d.id, d."updatedAt" as updated,
                 case when jsonb_typeof(d."availableSlots"->'slots') = 'array' then d."availableSlots"->'slots' else '[]'::jsonb end as entries,
                 fhir_time_zone(d."availableSlots"->>'timeZone', fhir_setting('hospital_time_zone', 'UTC')) as tz,
                 fhir_setting('hospital_time_zone', 'UTC') as htz,
                 case when d."availableSlots"->>'slotMinutes' ~ '^[0-9]{1,4}$'
                      then greatest((d."availableSlots"->>'slotMinutes')::int, 5) else 30 end as minutes
            from doctors d
           where d.id = p_doctor and d."deletedAt" is null and coalesce(d."isActive", true)
        ),
        booked as materialized (
          select a.id, a."updatedAt",
                 ((a."appointmentDate"::date + a."appointmentTime"::time) at time zone cfg.htz) as b_start,
                 ((a."appointmentDate"::date + a."appointmentTime"::time) at time zone cfg.htz)
                   + make_interval(mins => greatest(coalesce(a.duration, 0), 1)) as b_end
            from cfg join appointments a on a."doctorId" = cfg.id
           where a."deletedAt" is null and coalesce(a.status, 'scheduled') in ${OCCUPYING}
             and a."appointmentTime" ~ ${HHMM}
             and a."appointmentDate" >= (p_from - 2)::timestamp and a."appointmentDate" < (p_to + 2)::timestamp
        ),
        days as (
          select cfg.*, g::date as day from cfg, generate_series(p_from::timestamp, p_to::timestamp - interval '1 day', interval '1 day') g
        ),
        windows as (
          select days.*, (e->>'start')::time as w_start,
                 case when e->>'end' = '24:00' then interval '24 hours' else (e->>'end')::time - time '00:00' end as w_end
            from days, jsonb_array_elements(days.entries) e
           where e->>'status' = 'available' and e->>'start' ~ ${HHMM} and (e->>'end' ~ ${HHMM} or e->>'end' = '24:00')
             and (e->>'date' = days.day::text or (e->>'date' is null and e->>'day' = lower(to_char(days.day, 'dy'))))
        ),
        pieces as (
          select w.id as doctor_id, w.tz, w.minutes, w.updated, w.entries, w.day, local
            from windows w,
                 generate_series(w.day + w.w_start, w.day + w.w_end - make_interval(mins => w.minutes), make_interval(mins => w.minutes)) local
        ),
        slots as (
          select p.*, (p.local at time zone p.tz) as s_start,
                 ((p.local + make_interval(mins => p.minutes)) at time zone p.tz) as s_end
            from pieces p
           where not exists (
             select 1 from jsonb_array_elements(p.entries) u
              where u->>'status' = 'unavailable'
                and (u->>'date' = p.day::text or (u->>'date' is null and u->>'day' = lower(to_char(p.day, 'dy'))))
                and (u->>'start' is null or (u->>'start' ~ ${HHMM} and p.local + make_interval(mins => p.minutes) > p.day + (u->>'start')::time))
                and (u->>'end' is null or (u->>'end' ~ ${HHMM} and p.local < p.day + (u->>'end')::time)))
        )
        select (substr(replace(s.doctor_id::text, '-', ''), 1, 16)
                  || lpad(to_hex((extract(epoch from s.s_start) / 60)::bigint), 16, '0'))::uuid as id,
               s.doctor_id, s.s_start, s.s_end,
               case when b.id is null then 'free' else 'busy' end as status, s.minutes,
               greatest(s.updated, b."updatedAt") as updated
          from slots s
          left join lateral (
            select b.id, b."updatedAt" from booked b
             where b.b_start < s.s_end and s.s_start < b.b_end
             order by b."updatedAt" desc nulls last
             limit 1) b on true $$;`);

    // The planning horizon searches cover: from yesterday to slot_horizon_days ahead.
    this.addSql(`create or replace function fhir_slot_horizon(p_doctor uuid)
      returns table (id uuid, doctor_id uuid, start timestamptz, "end" timestamptz, status text, minutes int, updated timestamp)
      language sql stable as $$
        select * from fhir_doctor_slots(p_doctor, current_date - 1,
          current_date + case when fhir_setting('slot_horizon_days', '28') ~ '^[0-9]{1,3}$'
                              then fhir_setting('slot_horizon_days', '28')::int else 28 end + 1) $$;`);

    // One slot by its id: the doctors whose id starts with its first 16 digits, on that day.
    this.addSql(`create or replace function fhir_slot(p_id uuid)
      returns table (id uuid, doctor_id uuid, start timestamptz, "end" timestamptz, status text, minutes int, updated timestamp)
      language sql stable as $$
        with hex as (select replace(p_id::text, '-', '') as digits),
        parts as (
          select substr(digits, 1, 16) as prefix,
                 case when substr(digits, 17, 16) ~ '^0000000[0-9a-f]{9}$'
                      then to_timestamp(('x' || substr(digits, 17, 16))::bit(64)::bigint * 60) end as start
            from hex
        )
        select s.* from parts, doctors d,
               lateral fhir_doctor_slots(d.id, (parts.start at time zone 'UTC')::date - 1, (parts.start at time zone 'UTC')::date + 2) s
         where parts.start is not null
           and d.id between (parts.prefix || '0000000000000000')::uuid and (parts.prefix || 'ffffffffffffffff')::uuid
           and s.id = p_id $$;`);

    this.addSql(`create or replace function fhir_snapshot_slot(p_id uuid) returns jsonb
      language sql stable as $$
        select jsonb_build_object('slot', jsonb_build_object('id', s.id, 'doctorId', s.doctor_id,
                 'start', s.start, 'end', s."end", 'status', s.status, 'minutes', s.minutes))
          from fhir_slot(p_id) s limit 1 $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists fhir_snapshot_slot(uuid);`);
    this.addSql(`drop function if exists fhir_slot(uuid);`);
    this.addSql(`drop function if exists fhir_slot_horizon(uuid);`);
    this.addSql(`drop function if exists fhir_doctor_slots(uuid, date, date);`);
    this.addSql(`drop function if exists fhir_time_zone(text, text);`);
    this.addSql(`drop function if exists fhir_setting(text, text);`);
    this.addSql(`drop table if exists "fhir_settings";`);
  }
}
