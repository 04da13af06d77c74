// Versions (D5) of the vital signs held on patients, served as Observations beside the lab results
// (docs/observation-vital-signs.md): blood type (bloodType), body height (height), body weight
// (weight) and BMI (derived from both). fhir_vital_signs gives each patient and kind a stable id
// (fhir_vital_sign_id) and the time the server saw that column change, or the time a FHIR write
// gave, which is the Observation's effectiveDateTime (the BMI's: the later of the height's and the
// weight's); a kind whose column is null has no Observation (a deleted version).
import { Migration } from '@mikro-orm/migrations';

// true while the kind v.kind of the patient p has a value
const VITAL_PRESENT = `case v.kind
    when 'blood-type' then p."bloodType" is not null
    when 'height' then p.height is not null
    when 'weight' then p.weight is not null
    when 'bmi' then p.height > 0 and p.weight is not null
    else false end`;

/** The effective time of the vital sign v (timestamptz). */
const VITAL_TIME = `case when v.kind = 'bmi' then (select max(w.changed_at) from fhir_vital_signs w
    where w.patient_id = v.patient_id and w.kind in ('height', 'weight')) else v.changed_at end`;

const RESULTS = `case when jsonb_typeof(t."testResults") = 'array' then t."testResults" else '[]'::jsonb end`;

const LAB_SNAPSHOT = `select jsonb_build_object(
                 'lab_tests', jsonb_build_object('id', t.id, 'patientId', t."patientId", 'status', t.status,
                   'sampleCollectionDate', t."sampleCollectionDate", 'deletedAt', t."deletedAt"),
                 'entry', (select e.item from jsonb_array_elements(${RESULTS}) with ordinality e(item, n)
                            where e.item->>'id' = x.entry_id order by e.n limit 1),
                 'overflow', o.content)
          from fhir_lab_result_entries x
          join lab_tests t on t.id = x.lab_test_id
          left join fhir_overflow o on o.resource_type = 'Observation' and o.id = x.id
         where x.id = p_id`;

const LAB_IS_DELETED = `p_snapshot->'lab_tests'->>'deletedAt' is not null or jsonb_typeof(p_snapshot->'entry') is distinct from 'object'`;

export class Migration20261203000100VitalSigns extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "fhir_vital_signs" (
      "id" uuid not null,
      "patient_id" uuid not null,
      "kind" varchar(16) not null,
      "changed_at" timestamptz not null,
      constraint "fhir_vital_signs_pkey" primary key ("id"),
      constraint "fhir_vital_signs_patient_kind" unique ("patient_id", "kind")
    );`);
    // the prefix keeps these ids apart from the lab results' (md5('Observation/' || lab test || '/' || entry))
    this.addSql(`create or replace function fhir_vital_sign_id(p_patient uuid, p_kind text) returns uuid
      language sql immutable as $$ select md5('Observation/vital/' || p_patient::text || '/' || p_kind)::uuid $$;`);

    // A lab result's snapshot when the id is one, else the vital sign's: the patient's columns of
    // its kind while they hold a value (null otherwise, which fhir_bump records as deleted).
    this.addSql(`create or replace function fhir_snapshot_observation(p_id uuid) returns jsonb
      language sql stable as $$
        select coalesce((${LAB_SNAPSHOT}),
          (select jsonb_build_object(
                    'vital', jsonb_build_object('kind', v.kind, 'changed_at', (${VITAL_TIME}) at time zone 'UTC'),
                    'patients', jsonb_build_object('id', p.id, 'deletedAt', p."deletedAt")
                      || case v.kind
                           when 'blood-type' then jsonb_build_object('bloodType', p."bloodType")
                           when 'height' then jsonb_build_object('height', p.height)
                           when 'weight' then jsonb_build_object('weight', p.weight)
                           else jsonb_build_object('height', p.height, 'weight', p.weight) end,
                    'overflow', o.content)
             from fhir_vital_signs v
             join patients p on p.id = v.patient_id
             left join fhir_overflow o on o.resource_type = 'Observation' and o.id = v.id
            where v.id = p_id and ${VITAL_PRESENT})) $$;`);
    this.addSql(`create or replace function fhir_is_deleted_observation(p_snapshot jsonb) returns boolean
      language sql immutable as $$
        select case when p_snapshot ? 'vital' then p_snapshot->'patients'->>'deletedAt' is not null
                    else ${LAB_IS_DELETED} end $$;`);

    // A third trigger on patients (beside fhir_track and fhir_track_facts): a kind gets its row the
    // first time it has a value and a new changed_at whenever its column changes (BMI: either).
    this.addSql(`create or replace function fhir_track_vital_signs() returns trigger language plpgsql as $$
      declare
        changed uuid := coalesce(NEW.id, OLD.id);
        moved text[];
      begin
        if TG_OP = 'UPDATE' and (OLD."bloodType", OLD.height, OLD.weight, OLD."deletedAt")
            is not distinct from (NEW."bloodType", NEW.height, NEW.weight, NEW."deletedAt") then
          return null;
        end if;
        if NEW.id is not null then
          insert into fhir_vital_signs (id, patient_id, kind, changed_at)
          select fhir_vital_sign_id(NEW.id, k.kind), NEW.id, k.kind, now()
            from (values ('blood-type', NEW."bloodType" is not null), ('height', NEW.height is not null),
                         ('weight', NEW.weight is not null), ('bmi', NEW.height > 0 and NEW.weight is not null)) k(kind, present)
           where k.present
          on conflict (patient_id, kind) do nothing;
          if TG_OP = 'UPDATE' then
            moved := array_remove(array[
              case when OLD."bloodType" is distinct from NEW."bloodType" then 'blood-type' end,
              case when OLD.height is distinct from NEW.height then 'height' end,
              case when OLD.weight is distinct from NEW.weight then 'weight' end], null);
            update fhir_vital_signs set changed_at = now() where patient_id = NEW.id and kind = any(moved);
          end if;
        end if;
        perform fhir_bump('Observation', v.id) from fhir_vital_signs v where v.patient_id = changed;
        return null;
      end $$;`);
    this.addSql(
      `create trigger "fhir_track_vital_signs" after insert or update or delete on "patients" for each row execute function fhir_track_vital_signs();`,
    );
    // A FHIR write that gives the time of its value sets changed_at itself: the kind and the BMI follow.
    this.addSql(`create or replace function fhir_track_vital_sign_times() returns trigger language plpgsql as $$
      begin
        perform fhir_bump('Observation', v.id) from fhir_vital_signs v where v.patient_id = NEW.patient_id;
        return null;
      end $$;`);
    this.addSql(`create trigger "fhir_track" after update of "changed_at" on "fhir_vital_signs" for each row
      when (OLD.changed_at is distinct from NEW.changed_at) execute function fhir_track_vital_sign_times();`);

    // Rows that exist before this migration: last changed, as far as anyone knows, when the row was.
    this.addSql(`insert into fhir_vital_signs (id, patient_id, kind, changed_at)
      select fhir_vital_sign_id(p.id, k.kind), p.id, k.kind,
             coalesce(p."updatedAt", p."createdAt", now() at time zone 'UTC') at time zone 'UTC'
        from patients p
        cross join lateral (values ('blood-type', p."bloodType" is not null), ('height', p.height is not null),
                                   ('weight', p.weight is not null), ('bmi', p.height > 0 and p.weight is not null)) k(kind, present)
       where k.present
      on conflict (patient_id, kind) do nothing;`);
    this.addSql(`select fhir_bump('Observation', id) from fhir_vital_signs;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "fhir_track_vital_signs" on "patients";`);
    this.addSql(`drop function if exists fhir_track_vital_signs();`);
    this.addSql(`drop trigger if exists "fhir_track" on "fhir_vital_signs";`);
    this.addSql(`drop function if exists fhir_track_vital_sign_times();`);
    for (const table of ['fhir_overflow', 'fhir_resource_versions', 'fhir_resources'])
      this.addSql(
        `delete from "${table}" where resource_type = 'Observation' and id in (select id from fhir_vital_signs);`,
      );
    // back to the lab results only, as Migration20261202000500Labs defines them
    this.addSql(`create or replace function fhir_snapshot_observation(p_id uuid) returns jsonb
      language sql stable as $$ ${LAB_SNAPSHOT} $$;`);
    this.addSql(`create or replace function fhir_is_deleted_observation(p_snapshot jsonb) returns boolean
      language sql immutable as $$
        select ${LAB_IS_DELETED} $$;`);
    this.addSql(`drop function if exists fhir_vital_sign_id(uuid, text);`);
    this.addSql(`drop table if exists "fhir_vital_signs";`);
  }
}
