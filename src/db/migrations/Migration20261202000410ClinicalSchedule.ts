// Versions (D5) of Schedule: one per doctor, rendered from the doctor's availability
// (doctors.availableSlots), specialization and state; a second trigger on doctors bumps it.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202000410ClinicalSchedule extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create or replace function fhir_snapshot_schedule(p_id uuid) returns jsonb
      language sql stable as $$
        select jsonb_build_object(
                 'doctors', jsonb_build_object('id', d.id, 'specialization', d.specialization, 'isActive', d."isActive",
                   'availableSlots', d."availableSlots", 'deletedAt', d."deletedAt"),
                 'overflow', o.content)
          from doctors d
          left join fhir_overflow o on o.resource_type = 'Schedule' and o.id = d.id
         where d.id = p_id $$;`);
    this.addSql(`create or replace function fhir_is_deleted_schedule(p_snapshot jsonb) returns boolean
      language sql immutable as $$ select p_snapshot->'doctors'->>'deletedAt' is not null $$;`);
    this.addSql(`create or replace function fhir_track_schedule() returns trigger language plpgsql as $$
      begin
        perform fhir_bump('Schedule', coalesce(NEW.id, OLD.id));
        return null;
      end $$;`);
    this.addSql(
      `create trigger "fhir_track_schedule" after insert or update or delete on "doctors" for each row execute function fhir_track_schedule();`,
    );
    this.addSql(`select fhir_bump('Schedule', id) from doctors;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "fhir_track_schedule" on "doctors";`);
    this.addSql(`drop function if exists fhir_track_schedule();`);
    this.addSql(`drop function if exists fhir_snapshot_schedule(uuid);`);
    this.addSql(`drop function if exists fhir_is_deleted_schedule(jsonb);`);
    for (const table of ['fhir_overflow', 'fhir_resource_versions', 'fhir_resources'])
      this.addSql(`delete from "${table}" where resource_type = 'Schedule';`);
  }
}
