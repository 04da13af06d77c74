// MikroORM options shared by the server, the command line and the MikroORM CLI (D1, D2).
import { EntityCaseNamingStrategy } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { entities } from './src/db/entities/index.js';
import { migrationsList } from './src/db/migrations/index.js';

interface SqlConnection {
  query(sql: string, callback: (error: Error | null) => void): void;
}

export interface OrmConnection {
  clientUrl: string;
  poolMax: number;
}

export function ormOptions({ clientUrl, poolMax }: OrmConnection): Options {
  return defineConfig({
    clientUrl,
    entities: [...entities],
    namingStrategy: EntityCaseNamingStrategy,
    forceUtcTimezone: true,
    discovery: { warnWhenNoEntities: true },
    extensions: [Migrator],
    pool: {
      min: 0,
      max: poolMax,
      // TIMESTAMP columns hold UTC: CURRENT_TIMESTAMP defaults must be taken in UTC too.
      afterCreate(connection: SqlConnection, done: (error: Error | null, connection: SqlConnection) => void) {
        connection.query("SET TIME ZONE 'UTC'", (error) => done(error, connection));
      },
    },
    debug: false,
    allowGlobalContext: false,
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: 'src/db/migrations',
      pathTs: 'src/db/migrations',
      migrationsList,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
      silent: true,
    },
  });
}

// For the MikroORM CLI (`npm run orm -- migration:list`): real PostgreSQL only; the embedded
// database is reached through a running server (see README).
export default ormOptions({
  clientUrl: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  poolMax: 4,
});
