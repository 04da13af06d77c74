// Versions (D5) of the records and the patient's facts: DocumentReference (medical_records),
// AllergyIntolerance and Condition (one per entry of patients.allergies / chronicDiseases) and
// Coverage (the insurance columns of patients, id = patients.id). A TEXT[] entry has no key of its
// own, so fhir_patient_facts gives each distinct entry of a patient an id the first time it is seen;
// a FHIR update renames the entry there first, so its id stays while the entry exists (D3).
import { Migration } from '@mikro-orm/migrations';

const TYPES = ['DocumentReference', 'AllergyIntolerance', 'Condition', 'Coverage'] as const;
/** fhir_patient_facts.kind: the patients column, and the resource type of its entries. */
export const FACT_KINDS = [
  ['allergies', 'AllergyIntolerance'],
  ['chronicDiseases', 'Condition'],
] as const;

export class Migration20261202000600RecordsAndFacts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "fhir_patient_facts" (
      "id" uuid not null default gen_random_uuid(),
      "patient_id" uuid not null,
      "kind" varchar(32) not null,
      "entry" text not null,
      constraint "fhir_patient_facts_pkey" primary key ("id"),
      constraint "fhir_patient_facts_entry" unique ("patient_id", "kind", "entry")
    );`);

    this.addSql(`create or replace function fhir_snapshot_documentreference(p_id uuid) returns jsonb
      language sql stable as $$
        select jsonb_build_object('medical_records', to_jsonb(m) - 'updatedAt', 'overflow', o.content)
          from medical_records m
          left join fhir_overflow o on o.resource_type = 'DocumentReference' and o.id = m.id
         where m.id = p_id $$;`);
    this.addSql(`create or replace function fhir_is_deleted_documentreference(p_snapshot jsonb) returns boolean
      language sql immutable as $$ select jsonb_typeof(p_snapshot->'medical_records') is distinct from 'object' $$;`);
    this.addSql(`create or replace function fhir_track_medical_records() returns trigger language plpgsql as $$
      begin
        perform fhir_bump('DocumentReference', coalesce(NEW.id, OLD.id));
        return null;
      end $$;`);
    this.addSql(
      `create trigger "fhir_track" after insert or update or delete on "medical_records" for each row execute function fhir_track_medical_records();`,
    );

    // An entry's snapshot: the patient's state and the entry while the column still holds it.
    for (const [column, type] of FACT_KINDS) {
      this.addSql(`create or replace function fhir_snapshot_${type.toLowerCase()}(p_id uuid) returns jsonb
        language sql stable as $$
          select case when f.entry = any(p."${column}") then jsonb_build_object(
                   'patients', jsonb_build_object('id', p.id, 'deletedAt', p."deletedAt", 'createdAt', p."createdAt"),
                   'entry', jsonb_build_object('text', f.entry),
                   'overflow', o.content) end
            from fhir_patient_facts f
            join patients p on p.id = f.patient_id
            left join fhir_overflow o on o.resource_type = '${type}' and o.id = f.id
           where f.id = p_id and f.kind = '${column}' $$;`);
      this.addSql(`create or replace function fhir_is_deleted_${type.toLowerCase()}(p_snapshot jsonb) returns boolean
        language sql immutable as $$ select p_snapshot->'patients'->>'deletedAt' is not null $$;`);
    }
    // Coverage exists while the patient has any insurance column set.
    this.addSql(`create or replace function fhir_snapshot_coverage(p_id uuid) returns jsonb
      language sql stable as $$
        select jsonb_build_object(
                 'patients', jsonb_build_object('id', p.id, 'deletedAt', p."deletedAt",
                   'insuranceProvider', p."insuranceProvider", 'insurancePolicyNumber', p."insurancePolicyNumber",
                   'insuranceExpiry', p."insuranceExpiry"),
                 'overflow', o.content)
          from patients p
          left join fhir_overflow o on o.resource_type = 'Coverage' and o.id = p.id
         where p.id = p_id
           and coalesce(p."insuranceProvider", p."insurancePolicyNumber", p."insuranceExpiry"::text) is not null $$;`);
    this.addSql(`create or replace function fhir_is_deleted_coverage(p_snapshot jsonb) returns boolean
      language sql immutable as $$ select p_snapshot->'patients'->>'deletedAt' is not null $$;`);

    // A second trigger on patients (the first bumps Patient): every entry the patient has or had,
    // and the coverage; fhir_bump makes a version only when the snapshot changed.
    this.addSql(`create or replace function fhir_track_patient_facts() returns trigger language plpgsql as $$
      declare changed uuid := coalesce(NEW.id, OLD.id);
      begin
        if NEW.id is not null then
          insert into fhir_patient_facts (patient_id, kind, entry)
          select NEW.id, 'allergies', e from unnest(NEW.allergies) e where e is not null
          union select NEW.id, 'chronicDiseases', e from unnest(NEW."chronicDiseases") e where e is not null
          on conflict do nothing;
        end if;
        perform fhir_bump(case f.kind when 'allergies' then 'AllergyIntolerance' else 'Condition' end, f.id)
           from fhir_patient_facts f where f.patient_id = changed;
        perform fhir_bump('Coverage', changed);
        return null;
      end $$;`);
    this.addSql(
      `create trigger "fhir_track_facts" after insert or update or delete on "patients" for each row execute function fhir_track_patient_facts();`,
    );

    // Rows that exist before this migration get their first version.
    this.addSql(`insert into fhir_patient_facts (patient_id, kind, entry)
      select p.id, 'allergies', e from patients p, unnest(p.allergies) e where e is not null
      union select p.id, 'chronicDiseases', e from patients p, unnest(p."chronicDiseases") e where e is not null
      on conflict do nothing;`);
    this.addSql(`select fhir_bump('DocumentReference', id) from medical_records;`);
    this.addSql(
      `select fhir_bump(case kind when 'allergies' then 'AllergyIntolerance' else 'Condition' end, id) from fhir_patient_facts;`,
    );
    this.addSql(`select fhir_bump('Coverage', id) from patients;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "fhir_track_facts" on "patients";`);
    this.addSql(`drop trigger if exists "fhir_track" on "medical_records";`);
    this.addSql(`drop function if exists fhir_track_patient_facts();`);
    this.addSql(`drop function if exists fhir_track_medical_records();`);
    for (const type of TYPES) {
      this.addSql(`drop function if exists fhir_snapshot_${type.toLowerCase()}(uuid);`);
      this.addSql(`drop function if exists fhir_is_deleted_${type.toLowerCase()}(jsonb);`);
    }
    const types = TYPES.map((t) => `'${t}'`).join(', ');
    for (const table of ['fhir_overflow', 'fhir_resource_versions', 'fhir_resources'])
      this.addSql(`delete from "${table}" where resource_type in (${types});`);
    this.addSql(`drop table if exists "fhir_patient_facts";`);
  }
}
