// Search (D7): the folding function string search and its indexes share, the indexes of the most
// used searches (identifier, name, family, given, birthdate, email, phone, _lastUpdated), and the
// secret that signs paging cursors, kept in the database so every server instance shares it (D11).
import { Migration } from '@mikro-orm/migrations';

/** Latin letters with diacritics and their base letters, one to one (translate()). */
export const FOLD_FROM =
  'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳØøĐđŁłĦħŦŧ';
export const FOLD_TO =
  'AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzOoUuAaIiOoUuUuUuUuUuAaAaGgKkOoOojGgNnAaAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYyOoDdLlHhTt';

const INDEXES: [name: string, table: string, columns: string][] = [
  ['fhir_search_users_family', 'users', 'fhir_fold("lastName") text_pattern_ops'],
  ['fhir_search_users_given', 'users', 'fhir_fold("firstName") text_pattern_ops'],
  ['fhir_search_users_email', 'users', 'lower(email)'],
  ['fhir_search_users_phone', 'users', '"phoneNumber"'],
  ['fhir_search_users_birthdate', 'users', '"dateOfBirth"'],
  ['fhir_search_patients_mrn', 'patients', '"patientId"'],
  ['fhir_search_doctors_doctorid', 'doctors', '"doctorId"'],
  ['fhir_resources_last_updated', 'fhir_resources', 'resource_type, last_updated'],
];

export class Migration20261202000100SearchIndexes extends Migration {
  override async up(): Promise<void> {
    // Case- and accent-insensitive text, the same in the index and in the query. No unaccent:
    // the extension is not in every PostgreSQL (PGlite has none).
    this.addSql(`create function fhir_fold(value text) returns text language sql immutable parallel safe
      return lower(translate(value, '${FOLD_FROM}', '${FOLD_TO}'));`);
    for (const [name, table, columns] of INDEXES) this.addSql(`create index "${name}" on "${table}" (${columns});`);
    this.addSql(`create table "fhir_server_secrets" (
      "name" varchar(64) not null,
      "secret" text not null,
      constraint "fhir_server_secrets_pkey" primary key ("name")
    );`);
    this.addSql(`insert into "fhir_server_secrets" ("name", "secret")
      values ('search-cursor', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "fhir_server_secrets";');
    for (const [name] of INDEXES) this.addSql(`drop index if exists "${name}";`);
    this.addSql('drop function if exists fhir_fold(text);');
  }
}
