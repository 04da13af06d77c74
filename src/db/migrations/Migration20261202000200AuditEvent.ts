// AuditEvent ⇄ audit_logs (D9). Audit rows are append-only, so they get no trigger and no version
// rows (a trigger would double every audit write): each is one version, derived on demand from
// the row (ResourceMapping.source.appendOnly). The two functions let fhir_snapshot('AuditEvent', id)
// answer like any other type; the indexes serve the AuditEvent search parameters entity and patient.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202000200AuditEvent extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create or replace function fhir_snapshot_auditevent(p_id uuid) returns jsonb
      language sql stable as $$
        select jsonb_build_object('audit_logs', to_jsonb(a)) from audit_logs a where a.id = p_id $$;`);
    this.addSql(`create or replace function fhir_is_deleted_auditevent(p_snapshot jsonb) returns boolean
      language sql immutable as $$ select false $$;`);
    this.addSql(`create index if not exists "fhir_audit_entity" on "audit_logs" ("entityId");`);
    this.addSql(
      `create index if not exists "fhir_audit_patients" on "audit_logs" using gin (("changes"->'patients') jsonb_path_ops) where "changes"->'patients' is not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "fhir_audit_patients";`);
    this.addSql(`drop index if exists "fhir_audit_entity";`);
    this.addSql(`drop function if exists fhir_is_deleted_auditevent(jsonb);`);
    this.addSql(`drop function if exists fhir_snapshot_auditevent(uuid);`);
  }
}
