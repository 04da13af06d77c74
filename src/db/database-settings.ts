// Settings the database's own functions read (fhir_setting): the hospital's time zone, which
// turns appointments' local times into instants, and the Slot planning horizon. Written at every
// start, so SQL computing Slots agrees with the server's configuration.
import type { EntityManager } from '@mikro-orm/postgresql';

export interface DatabaseSettings {
  hospitalTimeZone: string;
  slotHorizonDays: number;
}

export async function storeDatabaseSettings(em: EntityManager, settings: DatabaseSettings): Promise<void> {
  await em.getConnection().execute(
    `insert into fhir_settings (name, value) values ('hospital_time_zone', ?), ('slot_horizon_days', ?)
       on conflict (name) do update set value = excluded.value`,
    [settings.hospitalTimeZone, String(settings.slotHorizonDays)],
  );
}
