// The server's own tables (D4, D5, D13): resource heads and versions with their rendered JSON,
// elements no column holds, keyed identifier hashes, counters; and the triggers that turn every
// change of a mapped row, by us or by another application, into a new version.
import { Migration } from '@mikro-orm/migrations';

const NUMBER_SEQUENCES = [
  ['fhir_patient_number_seq', 'PAT-'],
  ['fhir_practitioner_number_seq', 'DOC-'],
] as const;

export class Migration20261201000100ResourceVersions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "fhir_resources" (
      "resource_type" varchar(64) not null,
      "id" uuid not null,
      "version_id" integer not null,
      "last_updated" timestamptz not null,
      "deleted" boolean not null,
      "tx" bigint not null,
      constraint "fhir_resources_pkey" primary key ("resource_type", "id")
    );`);
    this.addSql(`create table "fhir_resource_versions" (
      "resource_type" varchar(64) not null,
      "id" uuid not null,
      "version_id" integer not null,
      "last_updated" timestamptz not null,
      "deleted" boolean not null,
      "snapshot" jsonb null,
      "rendered" text null,
      constraint "fhir_resource_versions_pkey" primary key ("resource_type", "id", "version_id")
    );`);
    this.addSql(
      `create index "fhir_resource_versions_type_time" on "fhir_resource_versions" ("resource_type", "last_updated");`,
    );
    this.addSql(`create index "fhir_resource_versions_time" on "fhir_resource_versions" ("last_updated");`);
    this.addSql(`create table "fhir_overflow" (
      "resource_type" varchar(64) not null,
      "id" uuid not null,
      "content" jsonb not null,
      constraint "fhir_overflow_pkey" primary key ("resource_type", "id")
    );`);
    this.addSql(`create table "fhir_identifier_hashes" (
      "resource_type" varchar(64) not null,
      "id" uuid not null,
      "system" varchar(255) not null,
      "hash" varchar(64) not null,
      constraint "fhir_identifier_hashes_pkey" primary key ("resource_type", "id", "system")
    );`);
    this.addSql(`create index "fhir_identifier_hashes_lookup" on "fhir_identifier_hashes" ("system", "hash");`);
    // Business numbers (PAT-, DOC-) for rows created through FHIR: sequences take no row lock, so
    // concurrent creates never wait on each other; they start after the numbers already in use.
    for (const [sequence, prefix] of NUMBER_SEQUENCES) {
      this.addSql(`create sequence "${sequence}" minvalue 1;`);
      this.addSql(
        `select setval('"${sequence}"', coalesce((select max(substring("userId" from '^${prefix}([0-9]+)$')::bigint) from users), 0) + 1, false);`,
      );
    }
    // The rows a resource is rendered from, secrets left out. Money (numeric) as text so it stays exact.
    this.addSql(`create or replace function fhir_snapshot(p_type text, p_id uuid) returns jsonb
      language plpgsql stable as $$
      declare
        secrets text[] := array['password', 'refreshToken', 'resetPasswordToken', 'resetPasswordExpires', 'mfaSecret', 'lastLoginAt', 'updatedAt'];
      begin
        if p_type = 'Patient' then
          return (select jsonb_build_object(
                    'patients', to_jsonb(p) - 'updatedAt',
                    'users', to_jsonb(u) - secrets,
                    'overflow', o.content)
                    from patients p join users u on u.id = p."userId"
                    left join fhir_overflow o on o.resource_type = p_type and o.id = p.id
                   where p.id = p_id);
        elsif p_type in ('Practitioner', 'PractitionerRole') then
          return (select jsonb_build_object(
                    'doctors', to_jsonb(d) - 'updatedAt' || jsonb_build_object('consultationFee', d."consultationFee"::text),
                    'users', to_jsonb(u) - secrets,
                    'overflow', o.content)
                    from doctors d join users u on u.id = d."userId"
                    left join fhir_overflow o on o.resource_type = p_type and o.id = d.id
                   where d.id = p_id);
        end if;
        return null;
      end $$;`);
    this.addSql(`create or replace function fhir_is_deleted(p_type text, p_snapshot jsonb) returns boolean
      language sql immutable as $$
        select case
          when p_snapshot is null then true
          when p_type = 'Patient' then coalesce((p_snapshot->'users'->>'isDeleted')::boolean, false)
            or p_snapshot->'patients'->>'deletedAt' is not null
          when p_type in ('Practitioner', 'PractitionerRole') then coalesce((p_snapshot->'users'->>'isDeleted')::boolean, false)
            or p_snapshot->'doctors'->>'deletedAt' is not null
          else false end $$;`);
    // One version per transaction and resource; none when nothing the rendering reads has changed.
    this.addSql(`create or replace function fhir_bump(p_type text, p_id uuid) returns void
      language plpgsql as $$
      declare
        snap jsonb := fhir_snapshot(p_type, p_id);
        del boolean := fhir_is_deleted(p_type, snap);
        this_tx bigint := txid_current();
        head record;
      begin
        select * into head from fhir_resources where resource_type = p_type and id = p_id for update;
        if not found then
          if snap is null then return; end if;
          insert into fhir_resources values (p_type, p_id, 1, now(), del, this_tx);
          insert into fhir_resource_versions values (p_type, p_id, 1, now(), del, snap, null);
        elsif head.tx = this_tx then
          update fhir_resources set deleted = del where resource_type = p_type and id = p_id;
          update fhir_resource_versions set snapshot = snap, deleted = del, rendered = null
           where resource_type = p_type and id = p_id and version_id = head.version_id;
        elsif not exists (select 1 from fhir_resource_versions v
                           where v.resource_type = p_type and v.id = p_id and v.version_id = head.version_id
                             and v.snapshot is not distinct from snap) then
          update fhir_resources set version_id = head.version_id + 1, last_updated = now(), deleted = del, tx = this_tx
           where resource_type = p_type and id = p_id;
          insert into fhir_resource_versions values (p_type, p_id, head.version_id + 1, now(), del, snap, null);
        end if;
      end $$;`);
    this.addSql(`create or replace function fhir_track_users() returns trigger language plpgsql as $$
      declare changed uuid := coalesce(NEW.id, OLD.id);
      begin
        perform fhir_bump('Patient', p.id) from patients p where p."userId" = changed;
        perform fhir_bump('Practitioner', d.id) from doctors d where d."userId" = changed;
        perform fhir_bump('PractitionerRole', d.id) from doctors d where d."userId" = changed;
        return null;
      end $$;`);
    this.addSql(`create or replace function fhir_track_patients() returns trigger language plpgsql as $$
      begin
        perform fhir_bump('Patient', coalesce(NEW.id, OLD.id));
        return null;
      end $$;`);
    this.addSql(`create or replace function fhir_track_doctors() returns trigger language plpgsql as $$
      begin
        perform fhir_bump('Practitioner', coalesce(NEW.id, OLD.id));
        perform fhir_bump('PractitionerRole', coalesce(NEW.id, OLD.id));
        return null;
      end $$;`);
    this.addSql(`create or replace function fhir_track_overflow() returns trigger language plpgsql as $$
      begin
        perform fhir_bump(coalesce(NEW.resource_type, OLD.resource_type), coalesce(NEW.id, OLD.id));
        return null;
      end $$;`);
    for (const table of ['users', 'patients', 'doctors'])
      this.addSql(
        `create trigger "fhir_track" after insert or update or delete on "${table}" for each row execute function fhir_track_${table}();`,
      );
    this.addSql(
      `create trigger "fhir_track" after insert or update or delete on "fhir_overflow" for each row execute function fhir_track_overflow();`,
    );
    // Rows that exist before this migration get their first version.
    this.addSql(`select fhir_bump('Patient', id) from patients;`);
    this.addSql(`select fhir_bump('Practitioner', id) from doctors;`);
    this.addSql(`select fhir_bump('PractitionerRole', id) from doctors;`);
  }

  override async down(): Promise<void> {
    for (const table of ['users', 'patients', 'doctors'])
      this.addSql(`drop trigger if exists "fhir_track" on "${table}";`);
    for (const [sequence] of NUMBER_SEQUENCES) this.addSql(`drop sequence if exists "${sequence}";`);
    for (const table of ['fhir_identifier_hashes', 'fhir_overflow', 'fhir_resource_versions', 'fhir_resources'])
      this.addSql(`drop table if exists "${table}" cascade;`);
    for (const fn of ['fhir_track_users', 'fhir_track_patients', 'fhir_track_doctors', 'fhir_track_overflow'])
      this.addSql(`drop function if exists ${fn}();`);
    this.addSql(`drop function if exists fhir_bump(text, uuid);`);
    this.addSql(`drop function if exists fhir_is_deleted(text, jsonb);`);
    this.addSql(`drop function if exists fhir_snapshot(text, uuid);`);
  }
}
