// npm run backup / restore: take a named backup and rotate the folder, verify the newest by
// restoring it into a scratch database, restore a file into an empty database (D12).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { auditRow, type AuditEntry } from '../audit/audit-entry.js';
import { AUDIT_INSERT, createAuditTrail, insertValues } from '../audit/audit-trail.js';
import { openDatabaseForTool } from '../db/database.js';
import { preparedQuery } from '../db/sql-session.js';
import { checksumsOfEmbeddedBackup, dumpEmbedded, restoreEmbedded } from './embedded-backup.js';
import {
  APPLICATION,
  BackupRefusedError,
  checkAgainstManifest,
  kindOf,
  manifestPath,
  readManifest,
  sha256File,
  type BackupManifest,
} from './manifest.js';
import { checkOwnDump, dumpPostgres, restorePostgres } from './postgres-backup.js';
import {
  backupName,
  expiredBackups,
  parseBackupName,
  tierFor,
  type BackupKind,
  type BackupName,
  type Tier,
} from './schedule.js';
import { checksumDifferences, tableChecksums, type TableChecksums } from './table-checksums.js';

export interface BackupTarget {
  /** PostgreSQL; unset: the embedded database in dataDir. */
  databaseUrl?: string;
  dataDir: string;
  auditEnabled: boolean;
}

export function backupsIn(dir: string, kind?: BackupKind): BackupName[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map(parseBackupName)
    .filter((b): b is BackupName => b !== undefined && (kind === undefined || b.kind === kind))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

const backupEntry = (file: string, success: boolean, error?: unknown): AuditEntry => ({
  action: 'BACKUP',
  entityType: 'system',
  description: `backup ${file}`,
  success,
  ...(error ? { errorMessage: `500: ${(error as Error).message}` } : {}),
});

export async function takeBackup(
  target: BackupTarget,
  dir: string,
  now = new Date(),
): Promise<{ file: string; tier: Tier; bytes: number; ms: number; removed: string[] }> {
  const started = performance.now();
  const kind: BackupKind = target.databaseUrl ? 'postgresql' : 'embedded';
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const existing = backupsIn(dir, kind);
  const tier = tierFor(now, existing);
  const name = backupName(now, tier, kind);
  const file = path.join(dir, name);
  const partial = `${file}.partial`;
  let tables: TableChecksums;
  try {
    if (target.databaseUrl) {
      const db = await openDatabaseForTool({ databaseUrl: target.databaseUrl, dataDir: target.dataDir, poolMax: 2 });
      try {
        tables = await dumpPostgres(db.orm, target.databaseUrl, partial);
        const audit = createAuditTrail((name, text, values) => preparedQuery(db.orm.em, name, text, values), {
          enabled: target.auditEnabled,
        });
        audit.record(backupEntry(name, true));
        await audit.flush();
      } finally {
        await db.close();
      }
    } else {
      // the audit row goes in before the copy, so the backup holds its own record
      tables = await dumpEmbedded(target.dataDir, partial, async (db) => {
        if (!target.auditEnabled) return;
        await db.query(AUDIT_INSERT.text, insertValues([auditRow(backupEntry(name, true))]));
      });
    }
    fs.chmodSync(partial, 0o600);
    fs.renameSync(partial, file);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  }
  const manifest: BackupManifest = {
    application: APPLICATION,
    format: 1,
    kind,
    file: name,
    bytes: fs.statSync(file).size,
    sha256: await sha256File(file),
    createdAt: now.toISOString(),
    tables,
  };
  fs.writeFileSync(manifestPath(file), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  const removed = expiredBackups([...existing, parseBackupName(name)!], now).map((b) => b.file);
  for (const old of removed) {
    fs.rmSync(path.join(dir, old), { force: true });
    fs.rmSync(manifestPath(path.join(dir, old)), { force: true });
  }
  return { file, tier, bytes: manifest.bytes, ms: Math.round(performance.now() - started), removed };
}

/** Checks a file before anything is touched: its manifest (when there is one), its kind, whose it is. */
async function checkFile(file: string): Promise<{ kind: BackupKind; manifest?: BackupManifest }> {
  if (!fs.existsSync(file)) throw new BackupRefusedError(`${file} does not exist`);
  const manifest = readManifest(file);
  if (manifest) await checkAgainstManifest(file, manifest);
  const kind = kindOf(file);
  if (manifest && manifest.kind !== kind)
    throw new BackupRefusedError(`${file} is not the ${manifest.kind} backup its manifest describes`);
  if (kind === 'postgresql') await checkOwnDump(file);
  return { kind, manifest };
}

export async function restoreBackup(file: string, target: BackupTarget): Promise<{ kind: BackupKind; ms: number }> {
  const started = performance.now();
  const { kind } = await checkFile(file);
  if (kind === 'postgresql') {
    if (!target.databaseUrl)
      throw new BackupRefusedError(
        `${file} is a PostgreSQL backup: set DATABASE_URL to the empty database to restore into`,
      );
    const db = await openDatabaseForTool({ databaseUrl: target.databaseUrl, dataDir: target.dataDir, poolMax: 1 });
    try {
      await restorePostgres(db.orm, target.databaseUrl, file);
    } finally {
      await db.close();
    }
  } else {
    if (target.databaseUrl)
      throw new BackupRefusedError(
        `${file} is an embedded-database backup: unset DATABASE_URL and set DATA_DIR to an empty folder`,
      );
    await restoreEmbedded(file, target.dataDir);
  }
  return { kind, ms: Math.round(performance.now() - started) };
}

export interface VerifyResult {
  file: string;
  ok: boolean;
  ms: number;
  tables: { table: string; rows: number; ok: boolean }[];
}

/** The monthly restore test, automated: the newest backup restored into a scratch database and compared. */
export async function verifyNewest(target: BackupTarget, dir: string): Promise<VerifyResult> {
  const started = performance.now();
  const kind: BackupKind = target.databaseUrl ? 'postgresql' : 'embedded';
  const newest = backupsIn(dir, kind).pop();
  if (!newest) throw new BackupRefusedError(`there is no ${kind} backup in ${dir}`);
  const file = path.join(dir, newest.file);
  const { manifest } = await checkFile(file);
  if (!manifest) throw new BackupRefusedError(`${file} has no manifest to verify against`);
  let actual: TableChecksums;
  if (kind === 'postgresql') actual = await checksumsOfScratchRestore(target, file);
  else actual = await checksumsOfEmbeddedBackup(file);
  const differ = new Set(checksumDifferences(manifest.tables, actual));
  return {
    file,
    ok: differ.size === 0,
    ms: Math.round(performance.now() - started),
    tables: Object.keys({ ...manifest.tables, ...actual })
      .sort()
      .map((table) => ({ table, rows: actual[table]?.rows ?? 0, ok: !differ.has(table) })),
  };
}

async function checksumsOfScratchRestore(target: BackupTarget, file: string): Promise<TableChecksums> {
  const url = new URL(target.databaseUrl!);
  const scratch = `${url.pathname.slice(1) || 'fhir'}_verify_${randomBytes(4).toString('hex')}`;
  const admin = await openDatabaseForTool({ databaseUrl: target.databaseUrl, dataDir: target.dataDir, poolMax: 1 });
  try {
    await admin.orm.em.getConnection().execute(`create database "${scratch}"`);
    try {
      url.pathname = `/${scratch}`;
      const db = await openDatabaseForTool({ databaseUrl: url.toString(), dataDir: target.dataDir, poolMax: 1 });
      try {
        await restorePostgres(db.orm, url.toString(), file);
        const em = db.orm.em.fork();
        return await tableChecksums((sql) => em.execute(sql));
      } finally {
        await db.close();
      }
    } finally {
      await admin.orm.em.getConnection().execute(`drop database if exists "${scratch}" with (force)`);
    }
  } finally {
    await admin.close();
  }
}
