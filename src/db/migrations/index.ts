// Every migration, in order; listed explicitly so the same list runs under tsx and from dist/.
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261201000000InitialSchema } from './Migration20261201000000InitialSchema.js';

export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261201000000InitialSchema', class: Migration20261201000000InitialSchema },
];
