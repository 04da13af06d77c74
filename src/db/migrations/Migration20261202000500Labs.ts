// Versions (D5) of the lab resources, all three over lab_tests: DiagnosticReport and ServiceRequest
// (the row's report and its order, both with the row's id) and Observation (one per entry of
// testResults, its id derived from the row id and the entry's stable id, as MedicationRequest's).
// Each rendering reads only what it shows, so a changed result does not make a new version of the
// order, and a changed order note does not make new versions of the results; the trigger bumps only
// the results whose entry changed when the columns they all render did not (a lab adding 20 results
// one by one would otherwise re-snapshot every earlier one each time).
import { Migration } from '@mikro-orm/migrations';

const TYPES = ['DiagnosticReport', 'ServiceRequest', 'Observation'] as const;
const RESULTS = `case when jsonb_typeof(t."testResults") = 'array' then t."testResults" else '[]'::jsonb end`;

export class Migration20261202000500Labs extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "fhir_lab_result_entries" (
      "id" uuid not null,
      "lab_test_id" uuid not null,
      "entry_id" varchar(64) not null,
      constraint "fhir_lab_result_entries_pkey" primary key ("id")
    );`);
    this.addSql(`create index "fhir_lab_result_entries_lab_test" on "fhir_lab_result_entries" ("lab_test_id");`);
    this.addSql(`create or replace function fhir_lab_result_id(p_lab_test uuid, p_entry text) returns uuid
      language sql immutable as $$ select md5('Observation/' || p_lab_test::text || '/' || p_entry)::uuid $$;`);
    // Text another application wrote into a JSONB date field, as a time, or NULL when it is none.
    this.addSql(`create or replace function fhir_try_timestamptz(p_text text) returns timestamptz
      language plpgsql stable as $$
      begin
        return p_text::timestamptz;
      exception when others then
        return null;
      end $$;`);

    // DiagnosticReport: the row without its order-only columns and results, plus the result ids in order.
    this.addSql(`create or replace function fhir_snapshot_diagnosticreport(p_id uuid) returns jsonb
      language sql stable as $$
        select jsonb_build_object(
                 'lab_tests', to_jsonb(t) - 'updatedAt' - 'createdAt' - 'testResults' - 'orderedBy' - 'notes' - 'description',
                 'results', (select coalesce(jsonb_agg(fhir_lab_result_id(t.id, e.item->>'id') order by e.n), '[]'::jsonb)
                               from jsonb_array_elements(${RESULTS}) with ordinality e(item, n)
                              where e.item->>'id' is not null),
                 'overflow', o.content)
          from lab_tests t
          left join fhir_overflow o on o.resource_type = 'DiagnosticReport' and o.id = t.id
         where t.id = p_id $$;`);
    this.addSql(`create or replace function fhir_is_deleted_diagnosticreport(p_snapshot jsonb) returns boolean
      language sql immutable as $$ select p_snapshot->'lab_tests'->>'deletedAt' is not null $$;`);

    // ServiceRequest: the order's columns only.
    this.addSql(`create or replace function fhir_snapshot_servicerequest(p_id uuid) returns jsonb
      language sql stable as $$
        select jsonb_build_object(
                 'lab_tests', jsonb_build_object('id', t.id, 'patientId', t."patientId", 'testName', t."testName",
                   'testCode', t."testCode", 'status', t.status, 'description', t.description,
                   'orderedBy', t."orderedBy", 'orderedDate', t."orderedDate", 'notes', t.notes,
                   'deletedAt', t."deletedAt"),
                 'overflow', o.content)
          from lab_tests t
          left join fhir_overflow o on o.resource_type = 'ServiceRequest' and o.id = t.id
         where t.id = p_id $$;`);
    this.addSql(`create or replace function fhir_is_deleted_servicerequest(p_snapshot jsonb) returns boolean
      language sql immutable as $$ select p_snapshot->'lab_tests'->>'deletedAt' is not null $$;`);

    // Observation: this one entry, and the row's columns it renders from.
    this.addSql(`create or replace function fhir_snapshot_observation(p_id uuid) returns jsonb
      language sql stable as $$
        select jsonb_build_object(
                 'lab_tests', jsonb_build_object('id', t.id, 'patientId', t."patientId", 'status', t.status,
                   'sampleCollectionDate', t."sampleCollectionDate", 'deletedAt', t."deletedAt"),
                 'entry', (select e.item from jsonb_array_elements(${RESULTS}) with ordinality e(item, n)
                            where e.item->>'id' = x.entry_id order by e.n limit 1),
                 'overflow', o.content)
          from fhir_lab_result_entries x
          join lab_tests t on t.id = x.lab_test_id
          left join fhir_overflow o on o.resource_type = 'Observation' and o.id = x.id
         where x.id = p_id $$;`);
    this.addSql(`create or replace function fhir_is_deleted_observation(p_snapshot jsonb) returns boolean
      language sql immutable as $$
        select p_snapshot->'lab_tests'->>'deletedAt' is not null or jsonb_typeof(p_snapshot->'entry') is distinct from 'object' $$;`);

    // Every entry the row has or had is bumped: a removed entry becomes a deleted version.
    this.addSql(`create or replace function fhir_track_lab_tests() returns trigger language plpgsql as $$
      declare changed uuid := coalesce(NEW.id, OLD.id);
      begin
        if NEW.id is not null then
          insert into fhir_lab_result_entries (id, lab_test_id, entry_id)
          select fhir_lab_result_id(NEW.id, e->>'id'), NEW.id, e->>'id'
            from jsonb_array_elements(case when jsonb_typeof(NEW."testResults") = 'array' then NEW."testResults" else '[]'::jsonb end) e
           where e->>'id' is not null
          on conflict (id) do nothing;
        end if;
        perform fhir_bump('DiagnosticReport', changed);
        perform fhir_bump('ServiceRequest', changed);
        if TG_OP = 'UPDATE' and (OLD."patientId", OLD.status, OLD."sampleCollectionDate", OLD."deletedAt")
            is not distinct from (NEW."patientId", NEW.status, NEW."sampleCollectionDate", NEW."deletedAt") then
          -- the columns every result renders are the same: only the results that changed, came or went
          if OLD."testResults" is distinct from NEW."testResults" then
            perform fhir_bump('Observation', x.id) from fhir_lab_result_entries x
             where x.lab_test_id = changed
               and (select e from jsonb_array_elements(case when jsonb_typeof(OLD."testResults") = 'array' then OLD."testResults" else '[]'::jsonb end) e
                     where e->>'id' = x.entry_id limit 1)
                   is distinct from
                   (select e from jsonb_array_elements(case when jsonb_typeof(NEW."testResults") = 'array' then NEW."testResults" else '[]'::jsonb end) e
                     where e->>'id' = x.entry_id limit 1);
          end if;
        else
          perform fhir_bump('Observation', x.id) from fhir_lab_result_entries x where x.lab_test_id = changed;
        end if;
        return null;
      end $$;`);
    this.addSql(
      `create trigger "fhir_track" after insert or update or delete on "lab_tests" for each row execute function fhir_track_lab_tests();`,
    );
    // Rows that exist before this migration get their first version.
    this.addSql(`insert into fhir_lab_result_entries (id, lab_test_id, entry_id)
      select fhir_lab_result_id(t.id, e->>'id'), t.id, e->>'id'
        from lab_tests t, jsonb_array_elements(t."testResults") e
       where jsonb_typeof(t."testResults") = 'array' and e->>'id' is not null
      on conflict (id) do nothing;`);
    this.addSql(`select fhir_bump('DiagnosticReport', id) from lab_tests;`);
    this.addSql(`select fhir_bump('ServiceRequest', id) from lab_tests;`);
    this.addSql(`select fhir_bump('Observation', id) from fhir_lab_result_entries;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "fhir_track" on "lab_tests";`);
    this.addSql(`drop function if exists fhir_track_lab_tests();`);
    for (const type of TYPES) {
      this.addSql(`drop function if exists fhir_snapshot_${type.toLowerCase()}(uuid);`);
      this.addSql(`drop function if exists fhir_is_deleted_${type.toLowerCase()}(jsonb);`);
    }
    const types = TYPES.map((t) => `'${t}'`).join(', ');
    for (const table of ['fhir_overflow', 'fhir_resource_versions', 'fhir_resources'])
      this.addSql(`delete from "${table}" where resource_type in (${types});`);
    this.addSql(`drop function if exists fhir_try_timestamptz(text);`);
    this.addSql(`drop function if exists fhir_lab_result_id(uuid, text);`);
    this.addSql(`drop table if exists "fhir_lab_result_entries";`);
  }
}
