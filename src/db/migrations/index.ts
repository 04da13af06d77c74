// Every migration, in order; listed explicitly so the same list runs under tsx and from dist/.
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261201000000InitialSchema } from './Migration20261201000000InitialSchema.js';
import { Migration20261201000100ResourceVersions } from './Migration20261201000100ResourceVersions.js';
import { Migration20261202000000SnapshotByType } from './Migration20261202000000SnapshotByType.js';
import { Migration20261202000010WriteFunctions } from './Migration20261202000010WriteFunctions.js';
import { Migration20261202000100SearchIndexes } from './Migration20261202000100SearchIndexes.js';
import { Migration20261202000200AuditEvent } from './Migration20261202000200AuditEvent.js';
import { Migration20261202000300SmartClients } from './Migration20261202000300SmartClients.js';
import { Migration20261202000400ClinicalMappings } from './Migration20261202000400ClinicalMappings.js';
import { Migration20261202000410ClinicalSchedule } from './Migration20261202000410ClinicalSchedule.js';
import { Migration20261202000420ClinicalSlots } from './Migration20261202000420ClinicalSlots.js';
import { Migration20261202000500Labs } from './Migration20261202000500Labs.js';
import { Migration20261202000600RecordsAndFacts } from './Migration20261202000600RecordsAndFacts.js';
import { Migration20261202000700ExportJobs } from './Migration20261202000700ExportJobs.js';
import { Migration20261203000100VitalSigns } from './Migration20261203000100VitalSigns.js';

export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261201000000InitialSchema', class: Migration20261201000000InitialSchema },
  { name: 'Migration20261201000100ResourceVersions', class: Migration20261201000100ResourceVersions },
  { name: 'Migration20261202000000SnapshotByType', class: Migration20261202000000SnapshotByType },
  { name: 'Migration20261202000010WriteFunctions', class: Migration20261202000010WriteFunctions },
  { name: 'Migration20261202000100SearchIndexes', class: Migration20261202000100SearchIndexes },
  { name: 'Migration20261202000200AuditEvent', class: Migration20261202000200AuditEvent },
  { name: 'Migration20261202000300SmartClients', class: Migration20261202000300SmartClients },
  { name: 'Migration20261202000400ClinicalMappings', class: Migration20261202000400ClinicalMappings },
  { name: 'Migration20261202000410ClinicalSchedule', class: Migration20261202000410ClinicalSchedule },
  { name: 'Migration20261202000420ClinicalSlots', class: Migration20261202000420ClinicalSlots },
  { name: 'Migration20261202000500Labs', class: Migration20261202000500Labs },
  { name: 'Migration20261202000600RecordsAndFacts', class: Migration20261202000600RecordsAndFacts },
  { name: 'Migration20261202000700ExportJobs', class: Migration20261202000700ExportJobs },
  { name: 'Migration20261203000100VitalSigns', class: Migration20261203000100VitalSigns },
];
