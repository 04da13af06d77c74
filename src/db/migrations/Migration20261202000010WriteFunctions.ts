// Writes of a resource in few round trips (issue 3's speed): the rows of one resource are inserted
// or updated by one function call that takes the planned column values as JSONB, and the stored
// rendering and overflow by a second. Column names come from the mappings, never from a client;
// jsonb_populate_record gives every value its column's type, and columns left out keep their
// defaults.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202000010WriteFunctions extends Migration {
  override async up(): Promise<void> {
    this
      .addSql(`create or replace function fhir_insert_row(p_table text, p_values jsonb, p_skip_conflict_on text default null)
      returns uuid language plpgsql as $$
      declare
        cols text;
        inserted uuid;
      begin
        select string_agg(quote_ident(k), ', ') into cols from jsonb_object_keys(p_values) k;
        execute format('insert into %I (%s) select %s from jsonb_populate_record(null::%I, $1) %s returning id',
                       p_table, cols, cols, p_table,
                       case when p_skip_conflict_on is null then ''
                            else format('on conflict (%I) do nothing', p_skip_conflict_on) end)
          into inserted using p_values;
        return inserted;
      end $$;`);
    this.addSql(`create or replace function fhir_update_row(p_table text, p_id uuid, p_values jsonb)
      returns void language plpgsql as $$
      declare cols text;
      begin
        if p_values is null or p_values = '{}'::jsonb then return; end if;
        select string_agg(quote_ident(k), ', ') into cols from jsonb_object_keys(p_values) k;
        execute format('update %I set (%s) = (select %s from jsonb_populate_record(null::%I, $1)) where id = $2',
                       p_table, cols, cols, p_table)
          using p_values, p_id;
      end $$;`);
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
    // Inserts p_values into p_table; when the table holds the business number and the values have
    // none, assigns the next free one (a number another application took is skipped).
    this.addSql(`create or replace function fhir_insert_numbered(p_table text, p_values jsonb, p_numbering jsonb)
      returns uuid language plpgsql as $$
      declare
        col text := p_numbering->>'column';
        inserted uuid;
      begin
        if p_numbering is null or p_numbering->>'table' <> p_table or p_values->>col is not null then
          return fhir_insert_row(p_table, p_values);
        end if;
        for attempt in 0..5 loop
          inserted := fhir_insert_row(p_table, p_values || jsonb_build_object(col, fhir_next_number(p_numbering, attempt > 0)), col);
          if inserted is not null then return inserted; end if;
        end loop;
        raise exception 'could not assign a free business number' using errcode = 'FH409';
      end $$;`);
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
    this.addSql(`create or replace function fhir_written(p_type text, p_id uuid)
      returns table (snapshot jsonb, version_id integer, last_updated timestamptz) language sql stable as $$
        select fhir_snapshot(p_type, p_id), h.version_id, h.last_updated
          from fhir_resources h where h.resource_type = p_type and h.id = p_id $$;`);
    // The rows of a new resource: the parent first (users for Patient), then the root with its link.
    this.addSql(`create or replace function fhir_create_rows(p_type text, p_id uuid, p_root_table text, p_root jsonb,
        p_parent_table text, p_parent jsonb, p_link text, p_numbering jsonb, p_hashes jsonb)
      returns table (snapshot jsonb, version_id integer, last_updated timestamptz) language plpgsql as $$
      declare root jsonb := p_root || jsonb_build_object('id', p_id);
      begin
        if p_parent_table is not null then
          root := root || jsonb_build_object(p_link,
            fhir_insert_numbered(p_parent_table, p_parent || jsonb_build_object('id', gen_random_uuid()), p_numbering));
        end if;
        perform fhir_insert_numbered(p_root_table, root, p_numbering);
        perform fhir_store_hashes(p_type, p_id, p_hashes);
        return query select * from fhir_written(p_type, p_id);
      end $$;`);
    this.addSql(`create or replace function fhir_update_rows(p_type text, p_id uuid, p_root_table text, p_root jsonb,
        p_parent_table text, p_parent_id uuid, p_parent jsonb, p_hashes jsonb)
      returns table (snapshot jsonb, version_id integer, last_updated timestamptz) language plpgsql as $$
      begin
        if p_parent_table is not null then perform fhir_update_row(p_parent_table, p_parent_id, p_parent); end if;
        perform fhir_update_row(p_root_table, p_id, p_root);
        perform fhir_store_hashes(p_type, p_id, p_hashes);
        return query select * from fhir_written(p_type, p_id);
      end $$;`);
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
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists fhir_store_rendering(text, uuid, integer, jsonb, boolean, text);`);
    this.addSql(`drop function if exists fhir_update_rows(text, uuid, text, jsonb, text, uuid, jsonb, jsonb);`);
    this.addSql(`drop function if exists fhir_create_rows(text, uuid, text, jsonb, text, jsonb, text, jsonb, jsonb);`);
    this.addSql(`drop function if exists fhir_written(text, uuid);`);
    this.addSql(`drop function if exists fhir_store_hashes(text, uuid, jsonb);`);
    this.addSql(`drop function if exists fhir_insert_numbered(text, jsonb, jsonb);`);
    this.addSql(`drop function if exists fhir_next_number(jsonb, boolean);`);
    this.addSql(`drop function if exists fhir_update_row(text, uuid, jsonb);`);
    this.addSql(`drop function if exists fhir_insert_row(text, jsonb, text);`);
  }
}
