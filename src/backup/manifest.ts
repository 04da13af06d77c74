// The manifest written beside each backup (<file>.json): whose backup it is, its size and sha256
// (a truncated or altered file is refused), and the row counts and checksums of every table at the
// moment of the backup, which --verify compares a restore against.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { BackupKind } from './schedule.js';
import type { TableChecksums } from './table-checksums.js';

export const APPLICATION = 'fhir-interop-server';

export interface BackupManifest {
  application: typeof APPLICATION;
  format: 1;
  kind: BackupKind;
  file: string;
  bytes: number;
  sha256: string;
  createdAt: string;
  tables: TableChecksums;
}

export class BackupRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupRefusedError';
  }
}

export const manifestPath = (file: string) => `${file}.json`;

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function readManifest(file: string): BackupManifest | undefined {
  let text: string;
  try {
    text = fs.readFileSync(manifestPath(file), 'utf8');
  } catch {
    return undefined;
  }
  const manifest = JSON.parse(text) as Partial<BackupManifest>;
  if (manifest.application !== APPLICATION || manifest.format !== 1)
    throw new BackupRefusedError(`${manifestPath(file)} is not the manifest of a backup of this server`);
  return manifest as BackupManifest;
}

/** Refuses a file that is not what its manifest says (truncated, altered or swapped). */
export async function checkAgainstManifest(file: string, manifest: BackupManifest): Promise<void> {
  const bytes = fs.statSync(file).size;
  if (bytes !== manifest.bytes)
    throw new BackupRefusedError(
      `${file} has ${bytes} bytes where its manifest says ${manifest.bytes}: it is truncated or altered; nothing was changed`,
    );
  if ((await sha256File(file)) !== manifest.sha256)
    throw new BackupRefusedError(`${file} does not match its manifest's sha256: it is altered; nothing was changed`);
}

/** What kind of backup a file is, by its first bytes: a pg_dump custom archive or a gzip tarball. */
export function kindOf(file: string): BackupKind {
  const head = Buffer.alloc(5);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 5, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head.toString('latin1') === 'PGDMP') return 'postgresql';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'embedded';
  throw new BackupRefusedError(`${file} is neither a PostgreSQL custom-format dump nor an embedded-database backup`);
}
