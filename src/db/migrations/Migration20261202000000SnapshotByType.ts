// Resources beyond Patient and Practitioner bring their own snapshot and deletion functions, so
// each mapping's migration adds two functions instead of rewriting a shared CASE:
//   fhir_snapshot_<type>(p_id uuid) returns jsonb        -- the rows one version renders from
//   fhir_is_deleted_<type>(p_snapshot jsonb) returns boolean
// where <type> is the resource type in lower case (fhir_snapshot_appointment). The two types of
// the first migration keep their inline branches: they are the hot path.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202000000SnapshotByType extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create or replace function fhir_snapshot(p_type text, p_id uuid) returns jsonb
      language plpgsql stable as $$
      declare
        secrets text[] := array['password', 'refreshToken', 'resetPasswordToken', 'resetPasswordExpires', 'mfaSecret', 'lastLoginAt', 'updatedAt'];
        fn text := 'fhir_snapshot_' || lower(p_type);
        snap jsonb;
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
        elsif to_regprocedure(fn || '(uuid)') is not null then
          execute format('select %I($1)', fn) into snap using p_id;
          return snap;
        end if;
        return null;
      end $$;`);
    this.addSql(`create or replace function fhir_is_deleted(p_type text, p_snapshot jsonb) returns boolean
      language plpgsql stable as $$
      declare
        fn text := 'fhir_is_deleted_' || lower(p_type);
        del boolean;
      begin
        if p_snapshot is null then return true; end if;
        if p_type = 'Patient' then
          return coalesce((p_snapshot->'users'->>'isDeleted')::boolean, false)
            or p_snapshot->'patients'->>'deletedAt' is not null;
        elsif p_type in ('Practitioner', 'PractitionerRole') then
          return coalesce((p_snapshot->'users'->>'isDeleted')::boolean, false)
            or p_snapshot->'doctors'->>'deletedAt' is not null;
        elsif to_regprocedure(fn || '(jsonb)') is not null then
          execute format('select %I($1)', fn) into del using p_snapshot;
          return coalesce(del, false);
        end if;
        return false;
      end $$;`);
  }

  override async down(): Promise<void> {
    // Back to the first migration's definitions: the two inline types only.
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
  }
}
