// Writes of a resource in few round trips (issue 3's speed): the server inserts or updates the rows
// of one resource in one statement (src/fhir/row-statements.ts), then reads the version the
// triggers made and stores the rendering and overflow, with the functions below.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202000010WriteFunctions extends Migration {
  override async up(): Promise<void> {
    // A business number (PAT-000123); with p_resync the sequence first moves past numbers that
    // other applications wrote.
    this.addSql(`create or replace function fhir_next_number(p_numbering jsonb, p_resync boolean)
      returns text language plpgsql as $$
      declare
        seq text := quote_ident(p_numbering->>'sequence');
        prefix text := p_numbering->>'prefix';
        taken bigint;
      begin
        if p_resync then
          execute format('select coalesce(max(substring(%I from %L)::bigint), 0) from %I',
                         p_numbering->>'column', '^' || prefix || '([0-9]+)$', p_numbering->>'table') into taken;
          perform setval(seq, greatest((select last_value from pg_sequences
                                        where schemaname = current_schema() and sequencename = p_numbering->>'sequence'), taken, 1));
        end if;
        return prefix || lpad(nextval(seq)::text, (p_numbering->>'width')::int, '0');
      end $$;`);
    // Keyed hashes of searchable secrets: [{system, hash}], a null hash removes that system's.
    this.addSql(`create or replace function fhir_store_hashes(p_type text, p_id uuid, p_hashes jsonb)
      returns void language plpgsql as $$
      begin
        if p_hashes is null then return; end if;
        insert into fhir_identifier_hashes (resource_type, id, system, hash)
          select p_type, p_id, h->>'system', h->>'hash' from jsonb_array_elements(p_hashes) h where h->>'hash' is not null
          on conflict (resource_type, id, system) do update set hash = excluded.hash;
        delete from fhir_identifier_hashes x
          using jsonb_array_elements(p_hashes) h
          where x.resource_type = p_type and x.id = p_id and x.system = h->>'system' and h->>'hash' is null;
      end $$;`);
    // The version this transaction's writes made, with the snapshot the trigger stored.
    this.addSql(`create or replace function fhir_written(p_type text, p_id uuid)
      returns table (snapshot jsonb, version_id integer, last_updated timestamptz) language sql stable as $$
        select v.snapshot, h.version_id, h.last_updated
          from fhir_resources h
          join fhir_resource_versions v on v.resource_type = h.resource_type and v.id = h.id and v.version_id = h.version_id
         where h.resource_type = p_type and h.id = p_id $$;`);
    // The overflow first (its trigger refreshes the version's snapshot), then the rendering.
    this.addSql(`create or replace function fhir_store_rendering(p_type text, p_id uuid, p_version integer,
        p_overflow jsonb, p_drop_overflow boolean, p_rendered text)
      returns void language plpgsql as $$
      begin
        if p_overflow is not null then
          insert into fhir_overflow (resource_type, id, content) values (p_type, p_id, p_overflow)
            on conflict (resource_type, id) do update set content = excluded.content;
        elsif p_drop_overflow then
          delete from fhir_overflow where resource_type = p_type and id = p_id;
        end if;
        update fhir_resource_versions set rendered = p_rendered
         where resource_type = p_type and id = p_id and version_id = p_version;
      end $$;`);
    // A new users row belongs to no resource yet (patients and doctors reference it, and are
    // inserted after it): only its updates and deletes make versions.
    this.addSql(`drop trigger if exists "fhir_track" on "users";`);
    this.addSql(
      `create trigger "fhir_track" after update or delete on "users" for each row execute function fhir_track_users();`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "fhir_track" on "users";`);
    this.addSql(
      `create trigger "fhir_track" after insert or update or delete on "users" for each row execute function fhir_track_users();`,
    );
    this.addSql(`drop function if exists fhir_store_rendering(text, uuid, integer, jsonb, boolean, text);`);
    this.addSql(`drop function if exists fhir_written(text, uuid);`);
    this.addSql(`drop function if exists fhir_store_hashes(text, uuid, jsonb);`);
    this.addSql(`drop function if exists fhir_next_number(jsonb, boolean);`);
  }
}
