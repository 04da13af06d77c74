// PostgreSQL backups with pg_dump in custom format (-Fc), taken inside one exported snapshot so the
// checksums of the manifest describe exactly what the dump holds; restores with pg_restore in a
// single transaction, so a failing restore leaves the target as it was.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { MikroORM } from '@mikro-orm/postgresql';
import { BackupRefusedError } from './manifest.js';
import { OWN_TABLES, tableChecksums, type TableChecksums } from './table-checksums.js';

const run = promisify(execFile);

async function tool(command: string, args: string[]): Promise<string> {
  try {
    return (await run(command, args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    const e = error as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT')
      throw new Error(`${command} is not installed: PostgreSQL backups need the PostgreSQL client tools on PATH`);
    throw new BackupRefusedError(
      `${command} failed: ${(e.stderr ?? e.message).trim().split('\n').slice(0, 3).join(' ')}`,
    );
  }
}

export async function dumpPostgres(orm: MikroORM, url: string, target: string): Promise<TableChecksums> {
  const knex = orm.em.getConnection().getKnex();
  const trx = await knex.transaction({ isolationLevel: 'repeatable read' });
  try {
    const snapshot = String((await trx.raw('select pg_export_snapshot() as s')).rows[0].s);
    const tables = await tableChecksums(async (sql) => (await trx.raw(sql)).rows as Record<string, unknown>[]);
    await tool('pg_dump', [
      '--format=custom',
      `--snapshot=${snapshot}`,
      '--no-owner',
      `--file=${target}`,
      `--dbname=${url}`,
    ]);
    return tables;
  } finally {
    await trx.commit();
  }
}

/** The tables a dump's table of contents lists (pg_restore --list). */
export async function dumpTables(file: string): Promise<string[]> {
  const toc = await tool('pg_restore', ['--list', file]);
  return [...toc.matchAll(/^\d+; \d+ \d+ TABLE public (\S+) /gm)].map((m) => m[1]!);
}

export async function checkOwnDump(file: string): Promise<void> {
  const tables = await dumpTables(file);
  const missing = OWN_TABLES.filter((t) => !tables.includes(t));
  if (missing.length)
    throw new BackupRefusedError(
      `${file} is not a backup of this server (it has no ${missing.join(', ')}); nothing was changed`,
    );
}

export async function restorePostgres(orm: MikroORM, url: string, file: string): Promise<void> {
  const [{ n }] = (await orm.em
    .getConnection()
    .execute(`select count(*)::int as n from pg_tables where schemaname = 'public'`)) as [{ n: number }];
  if (n > 0)
    throw new BackupRefusedError(`the target database is not empty (${n} tables): restore only into an empty database`);
  await tool('pg_restore', ['--single-transaction', '--exit-on-error', '--no-owner', `--dbname=${url}`, file]);
}
