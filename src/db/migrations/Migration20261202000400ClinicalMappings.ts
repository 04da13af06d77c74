// Versions (D5) of the clinical resources: Appointment and Encounter (appointments), Medication
// (medicines), MedicationRequest (one per entry of prescriptions.medicines) and Invoice (invoices).
// Each type plugs its fhir_snapshot_<type> and fhir_is_deleted_<type> into the version machinery
// (Migration20261202000000SnapshotByType); money (numeric) is rendered as text so it stays exact.
import { Migration } from '@mikro-orm/migrations';

const TYPES = ['Appointment', 'Encounter', 'Medication', 'MedicationRequest', 'Invoice'] as const;
const TRACKED = ['appointments', 'medicines', 'prescriptions', 'invoices'] as const;
const NUMBER_SEQUENCES = [
  ['fhir_prescription_number_seq', 'prescriptions', 'prescriptionNumber', 'RX-'],
  ['fhir_invoice_number_seq', 'invoices', 'invoiceNumber', 'INV-'],
] as const;

/** The Encounter of an appointment exists once the visit took place. */
export const VISIT_TOOK_PLACE = `('completed', 'in_progress', 'in-progress', 'arrived', 'checked_in', 'checked-in')`;

export class Migration20261202000400ClinicalMappings extends Migration {
  override async up(): Promise<void> {
    // D3: a MedicationRequest is one entry of a prescription's medicines array. Its id is derived
    // from the prescription id and the entry's stable id, and kept here so a read finds its row.
    this.addSql(`create table "fhir_prescription_entries" (
      "id" uuid not null,
      "prescription_id" uuid not null,
      "entry_id" varchar(64) not null,
      constraint "fhir_prescription_entries_pkey" primary key ("id")
    );`);
    this.addSql(
      `create index "fhir_prescription_entries_prescription" on "fhir_prescription_entries" ("prescription_id");`,
    );
    this.addSql(`create or replace function fhir_prescription_entry_id(p_prescription uuid, p_entry text) returns uuid
      language sql immutable as $$ select md5('MedicationRequest/' || p_prescription::text || '/' || p_entry)::uuid $$;`);
    for (const [sequence, table, column, prefix] of NUMBER_SEQUENCES) {
      this.addSql(`create sequence "${sequence}" minvalue 1;`);
      this.addSql(
        `select setval('"${sequence}"', coalesce((select max(substring("${column}" from '^${prefix}([0-9]+)$')::bigint) from "${table}"), 0) + 1, false);`,
      );
    }

    // Appointment: the row, and who cancelled it as a patient or a doctor (users.id → their row).
    this.addSql(`create or replace function fhir_snapshot_appointment(p_id uuid) returns jsonb
      language sql stable as $$
        select jsonb_build_object(
                 'appointments', to_jsonb(a) - 'updatedAt',
                 'canceller', case when a."cancelledBy" is null then null else jsonb_build_object(
                   'patient', (select p.id from patients p where p."userId" = a."cancelledBy"),
                   'doctor', (select d.id from doctors d where d."userId" = a."cancelledBy")) end,
                 'overflow', o.content)
          from appointments a
          left join fhir_overflow o on o.resource_type = 'Appointment' and o.id = a.id
         where a.id = p_id $$;`);
    this.addSql(`create or replace function fhir_is_deleted_appointment(p_snapshot jsonb) returns boolean
      language sql immutable as $$ select p_snapshot->'appointments'->>'deletedAt' is not null $$;`);
    // Encounter: the visit of an appointment that took place; the same id as its Appointment.
    this.addSql(`create or replace function fhir_snapshot_encounter(p_id uuid) returns jsonb
      language sql stable as $$
        select jsonb_build_object(
                 'appointments', to_jsonb(a) - 'updatedAt' - 'reminderSent' - 'meetingLink' - 'cancelledReason' - 'cancelledBy',
                 'overflow', o.content)
          from appointments a
          left join fhir_overflow o on o.resource_type = 'Encounter' and o.id = a.id
         where a.id = p_id and a.status in ${VISIT_TOOK_PLACE} $$;`);
    this.addSql(`create or replace function fhir_is_deleted_encounter(p_snapshot jsonb) returns boolean
      language sql immutable as $$ select p_snapshot->'appointments'->>'deletedAt' is not null $$;`);

    this.addSql(`create or replace function fhir_snapshot_medication(p_id uuid) returns jsonb
      language sql stable as $$
        select jsonb_build_object(
                 'medicines', to_jsonb(m) - 'updatedAt' || jsonb_build_object(
                   'purchasePrice', m."purchasePrice"::text, 'sellingPrice', m."sellingPrice"::text),
                 'overflow', o.content)
          from medicines m
          left join fhir_overflow o on o.resource_type = 'Medication' and o.id = m.id
         where m.id = p_id $$;`);
    this.addSql(`create or replace function fhir_is_deleted_medication(p_snapshot jsonb) returns boolean
      language sql immutable as $$ select p_snapshot->'medicines'->>'deletedAt' is not null $$;`);

    // MedicationRequest: the prescription without its medicines array, plus this one entry and its
    // position; a change to another entry does not make a new version of this one.
    this.addSql(`create or replace function fhir_snapshot_medicationrequest(p_id uuid) returns jsonb
      language sql stable as $$
        select jsonb_build_object(
                 'prescriptions', to_jsonb(rx) - 'updatedAt' - 'medicines',
                 'entry', (select e.item from jsonb_array_elements(rx.medicines) with ordinality e(item, n)
                            where e.item->>'id' = x.entry_id order by e.n limit 1),
                 'overflow', o.content)
          from fhir_prescription_entries x
          join prescriptions rx on rx.id = x.prescription_id
          left join fhir_overflow o on o.resource_type = 'MedicationRequest' and o.id = x.id
         where x.id = p_id $$;`);
    this.addSql(`create or replace function fhir_is_deleted_medicationrequest(p_snapshot jsonb) returns boolean
      language sql immutable as $$
        select p_snapshot->'prescriptions'->>'deletedAt' is not null or jsonb_typeof(p_snapshot->'entry') is distinct from 'object' $$;`);

    this.addSql(`create or replace function fhir_snapshot_invoice(p_id uuid) returns jsonb
      language sql stable as $$
        select jsonb_build_object(
                 'invoices', to_jsonb(i) - 'updatedAt' || jsonb_build_object(
                   'subtotal', i.subtotal::text, 'discount', i.discount::text, 'taxAmount', i."taxAmount"::text,
                   'taxPercentage', i."taxPercentage"::text, 'totalAmount', i."totalAmount"::text,
                   'paidAmount', i."paidAmount"::text, 'dueAmount', i."dueAmount"::text),
                 'overflow', o.content)
          from invoices i
          left join fhir_overflow o on o.resource_type = 'Invoice' and o.id = i.id
         where i.id = p_id $$;`);
    this.addSql(`create or replace function fhir_is_deleted_invoice(p_snapshot jsonb) returns boolean
      language sql immutable as $$ select p_snapshot->'invoices'->>'deletedAt' is not null $$;`);

    this.addSql(`create or replace function fhir_track_appointments() returns trigger language plpgsql as $$
      begin
        perform fhir_bump('Appointment', coalesce(NEW.id, OLD.id));
        perform fhir_bump('Encounter', coalesce(NEW.id, OLD.id));
        return null;
      end $$;`);
    this.addSql(`create or replace function fhir_track_medicines() returns trigger language plpgsql as $$
      begin
        perform fhir_bump('Medication', coalesce(NEW.id, OLD.id));
        return null;
      end $$;`);
    this.addSql(`create or replace function fhir_track_invoices() returns trigger language plpgsql as $$
      begin
        perform fhir_bump('Invoice', coalesce(NEW.id, OLD.id));
        return null;
      end $$;`);
    // Every entry the prescription has or had is bumped: a removed entry becomes a deleted version.
    this.addSql(`create or replace function fhir_track_prescriptions() returns trigger language plpgsql as $$
      declare changed uuid := coalesce(NEW.id, OLD.id);
      begin
        if NEW.id is not null then
          insert into fhir_prescription_entries (id, prescription_id, entry_id)
          select fhir_prescription_entry_id(NEW.id, e->>'id'), NEW.id, e->>'id'
            from jsonb_array_elements(case when jsonb_typeof(NEW.medicines) = 'array' then NEW.medicines else '[]'::jsonb end) e
           where e->>'id' is not null
          on conflict (id) do nothing;
        end if;
        perform fhir_bump('MedicationRequest', x.id) from fhir_prescription_entries x where x.prescription_id = changed;
        return null;
      end $$;`);
    for (const table of TRACKED)
      this.addSql(
        `create trigger "fhir_track" after insert or update or delete on "${table}" for each row execute function fhir_track_${table}();`,
      );
    // Rows that exist before this migration get their first version.
    this.addSql(`insert into fhir_prescription_entries (id, prescription_id, entry_id)
      select fhir_prescription_entry_id(rx.id, e->>'id'), rx.id, e->>'id'
        from prescriptions rx, jsonb_array_elements(rx.medicines) e
       where jsonb_typeof(rx.medicines) = 'array' and e->>'id' is not null
      on conflict (id) do nothing;`);
    this.addSql(`select fhir_bump('Appointment', id) from appointments;`);
    this.addSql(`select fhir_bump('Encounter', id) from appointments where status in ${VISIT_TOOK_PLACE};`);
    this.addSql(`select fhir_bump('Medication', id) from medicines;`);
    this.addSql(`select fhir_bump('MedicationRequest', id) from fhir_prescription_entries;`);
    this.addSql(`select fhir_bump('Invoice', id) from invoices;`);
  }

  override async down(): Promise<void> {
    for (const table of TRACKED) this.addSql(`drop trigger if exists "fhir_track" on "${table}";`);
    for (const table of TRACKED) this.addSql(`drop function if exists fhir_track_${table}();`);
    for (const type of TYPES) {
      this.addSql(`drop function if exists fhir_snapshot_${type.toLowerCase()}(uuid);`);
      this.addSql(`drop function if exists fhir_is_deleted_${type.toLowerCase()}(jsonb);`);
    }
    const types = TYPES.map((t) => `'${t}'`).join(', ');
    for (const table of ['fhir_overflow', 'fhir_resource_versions', 'fhir_resources'])
      this.addSql(`delete from "${table}" where resource_type in (${types});`);
    for (const [sequence] of NUMBER_SEQUENCES) this.addSql(`drop sequence if exists "${sequence}";`);
    this.addSql(`drop function if exists fhir_prescription_entry_id(uuid, text);`);
    this.addSql(`drop table if exists "fhir_prescription_entries";`);
  }
}
