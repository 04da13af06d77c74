// Embedded-database backups: a consistent copy of the PGlite data folder (dumpDataDir, a gzip
// tarball) taken while no server holds the folder; restored into an empty DATA_DIR, or into
// memory to verify it.
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { DataDirLock, readLock } from '../db/data-dir-lock.js';
import { BackupRefusedError } from './manifest.js';
import { OWN_TABLES, tableChecksums, type TableChecksums } from './table-checksums.js';

const query = (db: PGlite) => async (sql: string) => (await db.query<Record<string, unknown>>(sql)).rows;

function refuseWhileServed(dataDir: string): void {
  const holder = readLock(dataDir);
  if (holder)
    throw new BackupRefusedError(
      `the embedded database in ${dataDir} is open in process ${holder.pid}: stop the server first ` +
        '(only one process may open the folder)',
    );
}

export async function dumpEmbedded(
  dataDir: string,
  target: string,
  beforeDump: (db: PGlite) => Promise<void>,
): Promise<TableChecksums> {
  refuseWhileServed(dataDir);
  if (!fs.existsSync(path.join(dataDir, 'pgdata')))
    throw new BackupRefusedError(`${dataDir} holds no embedded database`);
  const lock = DataDirLock.acquire(dataDir);
  try {
    const db = await PGlite.create({ dataDir: path.join(dataDir, 'pgdata') });
    try {
      await beforeDump(db);
      const tables = await tableChecksums(query(db));
      const blob = await db.dumpDataDir('gzip');
      fs.writeFileSync(target, Buffer.from(await blob.arrayBuffer()));
      return tables;
    } finally {
      await db.close();
    }
  } finally {
    lock.release();
  }
}

/** Reads the whole file through gunzip first: a truncated file is refused before PGlite sees it. */
async function checkTarball(file: string): Promise<void> {
  let head: Buffer | undefined;
  try {
    await pipeline(
      fs.createReadStream(file),
      createGunzip(),
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          head ??= chunk;
          done();
        },
      }),
    );
  } catch (error) {
    throw new BackupRefusedError(`${file} is truncated or damaged (${(error as Error).message}); nothing was changed`);
  }
  if (head?.subarray(257, 262).toString('latin1') !== 'ustar')
    throw new BackupRefusedError(`${file} is not an embedded-database backup (no tar archive inside)`);
}

async function load(file: string, dataDir?: string): Promise<PGlite> {
  await checkTarball(file);
  try {
    return await PGlite.create({ ...(dataDir ? { dataDir } : {}), loadDataDir: new Blob([fs.readFileSync(file)]) });
  } catch (error) {
    throw new BackupRefusedError(`${file} cannot be loaded as an embedded database (${(error as Error).message})`);
  }
}

async function checkOwn(db: PGlite, file: string): Promise<void> {
  const rows = await query(db)(`select tablename from pg_tables where schemaname = 'public'`);
  const tables = rows.map((r) => String(r.tablename));
  const missing = OWN_TABLES.filter((t) => !tables.includes(t));
  if (missing.length) throw new BackupRefusedError(`${file} is not a backup of this server (no ${missing.join(', ')})`);
}

/** Restores into DATA_DIR, which must hold no database; on any failure the folder is left without one. */
export async function restoreEmbedded(file: string, dataDir: string): Promise<void> {
  refuseWhileServed(dataDir);
  const pgdata = path.join(dataDir, 'pgdata');
  if (fs.existsSync(pgdata) && fs.readdirSync(pgdata).length > 0)
    throw new BackupRefusedError(`${dataDir} already holds a database: restore only into an empty DATA_DIR`);
  const lock = DataDirLock.acquire(dataDir);
  try {
    const db = await load(file, pgdata);
    try {
      await checkOwn(db, file);
    } finally {
      await db.close();
    }
  } catch (error) {
    fs.rmSync(pgdata, { recursive: true, force: true });
    throw error;
  } finally {
    lock.release();
  }
}

/** Loads a backup into memory and gives its tables' counts and checksums. */
export async function checksumsOfEmbeddedBackup(file: string): Promise<TableChecksums> {
  const db = await load(file);
  try {
    await checkOwn(db, file);
    return await tableChecksums(query(db));
  } finally {
    await db.close();
  }
}
