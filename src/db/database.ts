// Opens the database (D2): PostgreSQL through a pool when DATABASE_URL is set, otherwise the
// embedded PGlite behind its socket server, reached through the same PostgreSQL driver.
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../../mikro-orm.config.js';
import { DataDirLock, readLock } from './data-dir-lock.js';

// PGlite has one session: its socket server interleaves the protocol messages of concurrent
// connections (electric-sql/pglite#1046), so the server uses one connection and one is left for a tool.
const TOOL_CONNECTIONS = 1;

export type DatabaseMode = 'embedded' | 'postgresql' | 'embedded-via-server';

export interface Database {
  readonly orm: MikroORM;
  readonly mode: DatabaseMode;
  /** The PostgreSQL URL the pool connects to (for the embedded database, its loopback socket). */
  readonly clientUrl: string;
  /** Connections of the pool, for metrics. */
  poolStats(): PoolStats | undefined;
  /** True when the database answers a trivial query within the timeout. */
  ping(timeoutMs?: number): Promise<boolean>;
  /** Pending migrations applied, in order. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

export interface PoolStats {
  used: number;
  free: number;
  pending: number;
  max: number;
}

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  max: number;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
  poolMax: number;
}

function wrap(
  orm: MikroORM,
  mode: DatabaseMode,
  clientUrl: string,
  onClose: () => Promise<void> = async () => {},
): Database {
  let closed: Promise<void> | undefined;
  return {
    orm,
    mode,
    clientUrl,
    poolStats() {
      const pool = (orm.em.getConnection().getKnex().client as { pool?: TarnPool }).pool;
      return pool
        ? { used: pool.numUsed(), free: pool.numFree(), pending: pool.numPendingAcquires(), max: pool.max }
        : undefined;
    },
    async ping(timeoutMs = 2000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      const query = orm.em
        .getConnection()
        .execute('select 1')
        .then(() => true)
        .catch(() => false);
      try {
        return await Promise.race([query, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async migrate() {
      const applied = await orm.getMigrator().up();
      return applied.map((m) => m.name);
    },
    close() {
      closed ??= (async () => {
        try {
          await orm.close(true);
        } finally {
          await onClose();
        }
      })();
      return closed;
    },
  };
}

async function openPostgres(clientUrl: string, poolMax: number, mode: DatabaseMode): Promise<Database> {
  const orm = await MikroORM.init(ormOptions({ clientUrl, poolMax }));
  return wrap(orm, mode, clientUrl);
}

async function openEmbedded(dataDir: string): Promise<Database> {
  const poolMax = 1;
  const lock = DataDirLock.acquire(dataDir);
  let pglite: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  const stop = async () => {
    try {
      await server?.stop();
      await pglite?.close();
    } finally {
      lock.release();
    }
  };
  try {
    pglite = await PGlite.create({ dataDir: path.join(dataDir, 'pgdata') });
    // The socket resets connections beyond its limit, so the pool never exceeds it; the
    // spare connections are for tools (seed, migrate) that reach the database through us.
    server = new PGLiteSocketServer({
      db: pglite,
      host: '127.0.0.1',
      port: 0,
      maxConnections: poolMax + TOOL_CONNECTIONS,
    });
    await server.start();
    const socket = server.getServerConn();
    lock.announce(socket);
    const clientUrl = `postgresql://postgres@${socket}/postgres`;
    const orm = await MikroORM.init(ormOptions({ clientUrl, poolMax }));
    return wrap(orm, 'embedded', clientUrl, stop);
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

/** The server's own database: it owns the embedded data folder. */
export function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolMax, 'postgresql')
    : openEmbedded(options.dataDir);
}

/**
 * A tool's database (seed, migrate): with the embedded database, a running server's socket when
 * there is one (only one process may open the folder), the folder itself otherwise.
 */
export function openDatabaseForTool(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolMax, 'postgresql');
  const holder = readLock(options.dataDir);
  if (holder?.databaseSocket)
    return openPostgres(`postgresql://postgres@${holder.databaseSocket}/postgres`, 1, 'embedded-via-server');
  return openEmbedded(options.dataDir);
}
