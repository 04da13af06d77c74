// A fresh database per test suite: a new PostgreSQL database on TEST_DATABASE_URL's server
// (created and dropped here), or else a new embedded data folder.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export const serverUrl = process.env.TEST_DATABASE_URL?.trim() || undefined;
export const mode: 'postgresql' | 'embedded' = serverUrl ? 'postgresql' : 'embedded';

export interface TestDatabase {
  /** Set for PostgreSQL. */
  databaseUrl?: string;
  /** The embedded data folder (always set: PostgreSQL runs use it for nothing but the config). */
  dataDir: string;
  drop(): Promise<void>;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-test-'));
let template: Promise<string> | undefined;

/** An initialised but empty PGlite folder, made once per test run (initdb takes seconds). */
function embeddedTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = path.join(root, 'template');
    fs.mkdirSync(dir, { recursive: true });
    const db = await PGlite.create({ dataDir: path.join(dir, 'pgdata') });
    await db.close();
    return dir;
  })();
  return template;
}

export function tempDir(name = 'dir'): string {
  return fs.mkdtempSync(path.join(root, `${name}-`));
}

export async function withAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (serverUrl) {
    const name = `fhirtest_${process.pid}_${randomBytes(4).toString('hex')}`;
    await withAdmin((c) => c.query(`create database "${name}"`));
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return {
      databaseUrl: url.toString(),
      dataDir: tempDir('unused'),
      drop: () => withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`)).then(() => {}),
    };
  }
  const dataDir = tempDir('embedded');
  fs.cpSync(await embeddedTemplate(), dataDir, { recursive: true });
  return { dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}

process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
