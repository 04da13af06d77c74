// Bulk Data export jobs (D11): the state of every $export lives in PostgreSQL, so any instance can
// answer a status poll, and a job is run by the one instance that holds its lease (claimed with
// FOR UPDATE SKIP LOCKED, renewed while it runs; an expired lease lets another instance resume it).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202000700ExportJobs extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "fhir_export_jobs" (
      "id" uuid primary key default gen_random_uuid(),
      "status" text not null default 'accepted'
        check ("status" in ('accepted', 'in-progress', 'completed', 'failed')),
      "request" text not null,
      "parameters" jsonb not null,
      "client_id" text null,
      "requires_access_token" boolean not null default false,
      "transaction_time" timestamptz null,
      "created_at" timestamptz not null default now(),
      "lease_owner" text null,
      "lease_until" timestamptz null,
      "attempts" int not null default 0,
      "progress" text null,
      "output" jsonb not null default '[]',
      "errors" jsonb not null default '[]',
      "finished_at" timestamptz null,
      "expires_at" timestamptz null);`);
    this.addSql(`create index "fhir_export_jobs_runnable" on "fhir_export_jobs" ("created_at")
      where "status" in ('accepted', 'in-progress');`);
    this.addSql(`create index "fhir_export_jobs_expires" on "fhir_export_jobs" ("expires_at")
      where "expires_at" is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "fhir_export_jobs";`);
  }
}
