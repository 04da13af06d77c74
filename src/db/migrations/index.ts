// Every migration, in order; listed explicitly so the same list runs under tsx and from dist/.
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261201000000InitialSchema } from './Migration20261201000000InitialSchema.js';
import { Migration20261201000100ResourceVersions } from './Migration20261201000100ResourceVersions.js';
import { Migration20261202000000SnapshotByType } from './Migration20261202000000SnapshotByType.js';
import { Migration20261202000200AuditEvent } from './Migration20261202000200AuditEvent.js';

export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261201000000InitialSchema', class: Migration20261201000000InitialSchema },
  { name: 'Migration20261201000100ResourceVersions', class: Migration20261201000100ResourceVersions },
  { name: 'Migration20261202000000SnapshotByType', class: Migration20261202000000SnapshotByType },
  { name: 'Migration20261202000200AuditEvent', class: Migration20261202000200AuditEvent },
];
