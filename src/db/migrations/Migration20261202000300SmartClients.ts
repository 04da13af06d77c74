// The SMART authorization server's own tables (D8, D11): registered clients, signing keys,
// pending authorizations, one-time codes, refresh-token families, used assertion ids, login
// lockouts, used TOTP steps, rate-limit counters and revoked access tokens. Secrets (client
// secrets, codes, refresh tokens) are kept only as hashes.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202000300SmartClients extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "smart_clients" (
      "client_id" varchar(255) not null,
      "name" text not null,
      "kind" varchar(32) not null check ("kind" in ('public', 'confidential-symmetric', 'confidential-asymmetric')),
      "secret_hash" text null,
      "redirect_uris" text[] not null default '{}',
      "scope" text not null,
      "jwks" jsonb null,
      "jwks_uri" text null,
      "created_at" timestamptz not null default now(),
      constraint "smart_clients_pkey" primary key ("client_id")
    );`);
    this.addSql(`create table "smart_signing_keys" (
      "kid" varchar(64) not null,
      "alg" varchar(16) not null,
      "public_jwk" jsonb not null,
      "private_jwk" jsonb not null,
      "created_at" timestamptz not null default now(),
      "retired_at" timestamptz null,
      constraint "smart_signing_keys_pkey" primary key ("kid")
    );`);
    this.addSql(`create table "smart_authorizations" (
      "id" uuid not null,
      "csrf" text not null,
      "request" jsonb not null,
      "user_id" uuid null,
      "stage" varchar(16) not null,
      "patient_id" uuid null,
      "expires_at" timestamptz not null,
      constraint "smart_authorizations_pkey" primary key ("id")
    );`);
    this.addSql(`create table "smart_authorization_codes" (
      "code_hash" varchar(64) not null,
      "client_id" varchar(255) not null,
      "redirect_uri" text not null,
      "code_challenge" text null,
      "grant" jsonb not null,
      "family" uuid not null,
      "expires_at" timestamptz not null,
      "used_at" timestamptz null,
      constraint "smart_authorization_codes_pkey" primary key ("code_hash")
    );`);
    this.addSql(`create table "smart_refresh_tokens" (
      "token_hash" varchar(64) not null,
      "family" uuid not null,
      "client_id" varchar(255) not null,
      "grant" jsonb not null,
      "expires_at" timestamptz null,
      "used_at" timestamptz null,
      "revoked_at" timestamptz null,
      "created_at" timestamptz not null default now(),
      constraint "smart_refresh_tokens_pkey" primary key ("token_hash")
    );`);
    this.addSql(`create index "smart_refresh_tokens_family" on "smart_refresh_tokens" ("family");`);
    this.addSql(`create table "smart_assertion_jtis" (
      "client_id" varchar(255) not null,
      "jti" text not null,
      "expires_at" timestamptz not null,
      constraint "smart_assertion_jtis_pkey" primary key ("client_id", "jti")
    );`);
    this.addSql(`create table "smart_login_failures" (
      "email" varchar(255) not null,
      "failures" integer not null,
      "locked_until" timestamptz null,
      "updated_at" timestamptz not null default now(),
      constraint "smart_login_failures_pkey" primary key ("email")
    );`);
    this.addSql(`create table "smart_totp_steps" (
      "user_id" uuid not null,
      "step" bigint not null,
      "used_at" timestamptz not null default now(),
      constraint "smart_totp_steps_pkey" primary key ("user_id", "step")
    );`);
    this.addSql(`create table "smart_rate_limits" (
      "key" varchar(255) not null,
      "window_start" timestamptz not null,
      "hits" integer not null,
      constraint "smart_rate_limits_pkey" primary key ("key")
    );`);
    this.addSql(`create table "smart_revoked_tokens" (
      "jti" varchar(64) not null,
      "expires_at" timestamptz not null,
      constraint "smart_revoked_tokens_pkey" primary key ("jti")
    );`);
  }

  override async down(): Promise<void> {
    for (const table of [
      'smart_revoked_tokens',
      'smart_rate_limits',
      'smart_totp_steps',
      'smart_login_failures',
      'smart_assertion_jtis',
      'smart_refresh_tokens',
      'smart_authorization_codes',
      'smart_authorizations',
      'smart_signing_keys',
      'smart_clients',
    ])
      this.addSql(`drop table if exists "${table}";`);
  }
}
