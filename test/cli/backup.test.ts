// `npm run backup` / `npm run restore` (database-schema.md, Backup Strategy) on the database the
// tests run on: named and rotated backups, the automated restore test, restores into an empty
// database only, and refusals of truncated, altered or foreign files that change nothing.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startServer } from '../../src/server.js';
import { backupName } from '../../src/backup/schedule.js';
import { runCli } from '../support/cli.js';
import { mode, serverUrl, tempDir, withAdmin } from '../support/database.js';
import { newPatient } from '../support/fhir-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const backup = (args: string[], env: Record<string, string>) => runCli('src/cli/backup.ts', args, env);
const restore = (file: string, env: Record<string, string>) => runCli('src/cli/restore.ts', [file], env);
const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

function truncatedCopy(file: string, withManifest: boolean): string {
  const dir = tempDir('truncated');
  const copy = path.join(dir, path.basename(file));
  fs.writeFileSync(copy, fs.readFileSync(file).subarray(0, Math.floor(fs.statSync(file).size / 2)));
  if (withManifest) fs.copyFileSync(`${file}.json`, `${copy}.json`);
  return copy;
}

if (mode === 'postgresql')
  describe('backup and restore › PostgreSQL (pg_dump custom format)', function () {
    let server: TestServer;
    let env: Record<string, string>;
    const dir = tempDir('backups');
    const scratch: string[] = [];

    async function emptyDatabase(): Promise<string> {
      const name = `fhirtest_restore_${randomBytes(4).toString('hex')}`;
      await withAdmin((c) => c.query(`create database "${name}"`));
      scratch.push(name);
      const url = new URL(serverUrl!);
      url.pathname = `/${name}`;
      return url.toString();
    }
    async function query(url: string, sql: string) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    }

    before(async () => {
      server = await startTestServer();
      env = { DATABASE_URL: server.database.databaseUrl!, BACKUP_DIR: dir };
      for (let i = 0; i < 3; i++) await server.call('POST', '/Patient', { body: newPatient() });
      await server.audit.flush();
    });
    after(async () => {
      await server?.stop();
      for (const name of scratch) await withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`));
    });

    it('names backups by tier: the first of the month monthly, then daily within the same week', async () => {
      const tiers: string[] = [];
      for (let i = 0; i < 3; i++) {
        const result = await backup([], env);
        expect(result.code, result.stderr).to.equal(0);
        const out = last(result.stdout);
        expect(path.basename(out.file)).to.match(/^fhir-backup-\d{8}T\d{6}Z-(daily|weekly|monthly)\.pgdump$/);
        expect(fs.existsSync(`${out.file}.json`)).to.equal(true);
        tiers.push(out.tier);
        await new Promise((r) => setTimeout(r, 1100)); // one name per second
      }
      expect(tiers).to.deep.equal(['monthly', 'daily', 'daily']); // the month's first also stands for its week
      const { rows } = await server.sql.query(`select count(*)::int as n from audit_logs where action = 'BACKUP'`);
      expect(rows[0].n).to.equal(3);
    });

    it('rotates: daily backups kept 24 hours, weekly 4 weeks, monthly 12 months', async () => {
      const rotating = tempDir('rotation');
      const now = Date.now();
      const planted = {
        daily2d: backupName(new Date(now - 2 * 86400e3), 'daily', 'postgresql'),
        daily1h: backupName(new Date(now - 3600e3), 'daily', 'postgresql'),
        weekly5w: backupName(new Date(now - 35 * 86400e3), 'weekly', 'postgresql'),
        weekly2w: backupName(new Date(now - 14 * 86400e3), 'weekly', 'postgresql'),
        monthly13: backupName(new Date(now - 400 * 86400e3), 'monthly', 'postgresql'),
        monthly3: backupName(new Date(now - 90 * 86400e3), 'monthly', 'postgresql'),
      };
      for (const name of Object.values(planted)) {
        fs.writeFileSync(path.join(rotating, name), 'old');
        fs.writeFileSync(path.join(rotating, `${name}.json`), '{}');
      }
      const result = await backup([], { ...env, BACKUP_DIR: rotating });
      expect(result.code, result.stderr).to.equal(0);
      expect(last(result.stdout).removed.sort()).to.deep.equal(
        [planted.daily2d, planted.weekly5w, planted.monthly13].sort(),
      );
      const left = fs.readdirSync(rotating).filter((f) => !f.endsWith('.json'));
      expect(left).to.include.members([planted.daily1h, planted.weekly2w, planted.monthly3]);
      expect(left).to.have.length(4);
      expect(fs.readdirSync(rotating)).to.have.length(8); // each with its manifest
    });

    it('--verify restores the newest into a scratch database and finds every table equal; a difference fails it', async () => {
      const result = await backup(['--verify'], env);
      expect(result.code, result.stderr).to.equal(0);
      const report = last(result.stdout);
      expect(report.ok).to.equal(true);
      expect(report.tables.find((t: any) => t.table === 'patients').rows).to.equal(3);
      expect(report.tables.map((t: any) => t.table)).to.include.members(['audit_logs', 'fhir_resource_versions']);
      const manifestFile = `${report.file}.json`;
      const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
      manifest.tables.patients.checksum = '0'.repeat(32);
      fs.writeFileSync(manifestFile, JSON.stringify(manifest));
      const failed = await backup(['--verify'], env);
      expect(failed.code).to.equal(1);
      expect(failed.stdout).to.match(/DIFFERS patients/);
      const scratchLeft = await withAdmin((c) =>
        c.query(`select datname from pg_database where datname like '%_verify_%'`),
      );
      expect(scratchLeft.rows).to.deep.equal([]);
    });

    it('restore: into an empty database it brings back every table; into a non-empty one it is refused', async () => {
      const produced = last((await backup([], env)).stdout);
      const target = await emptyDatabase();
      const result = await restore(produced.file, { DATABASE_URL: target });
      expect(result.code, result.stderr).to.equal(0);
      const manifest = JSON.parse(fs.readFileSync(`${produced.file}.json`, 'utf8'));
      for (const [table, expected] of Object.entries<{ rows: number }>(manifest.tables)) {
        const [row] = await query(target, `select count(*)::int as n from "${table}"`);
        expect(row.n, table).to.equal(expected.rows);
      }
      const again = await restore(produced.file, { DATABASE_URL: target });
      expect(again.code).to.equal(1);
      expect(again.stderr).to.match(/the target database is not empty/);
    });

    it('refuses a truncated file (with or without its manifest), a foreign dump and a non-dump, and changes nothing', async () => {
      const produced = last((await backup([], env)).stdout);
      const foreignDb = await emptyDatabase();
      await query(foreignDb, 'create table orders (id int primary key, item text)');
      const foreign = path.join(tempDir('foreign'), 'foreign.pgdump');
      const { execFileSync } = await import('node:child_process');
      execFileSync('pg_dump', ['--format=custom', `--file=${foreign}`, `--dbname=${foreignDb}`]);
      const random = path.join(tempDir('random'), 'random.pgdump');
      fs.writeFileSync(random, randomBytes(4096));
      const cases: [string, RegExp][] = [
        [truncatedCopy(produced.file, true), /truncated or altered; nothing was changed/],
        [truncatedCopy(produced.file, false), /pg_restore failed|not a backup of this server/],
        [foreign, /not a backup of this server/],
        [random, /neither a PostgreSQL custom-format dump nor an embedded-database backup/],
      ];
      for (const [file, message] of cases) {
        const target = await emptyDatabase();
        const result = await restore(file, { DATABASE_URL: target });
        expect(result.code, file).to.equal(1);
        expect(result.stderr, file).to.match(message);
        const [row] = await query(target, `select count(*)::int as n from pg_tables where schemaname = 'public'`);
        expect(row.n, file).to.equal(0);
      }
    });
  });

if (mode === 'embedded')
  describe('backup and restore › embedded database (a copy of the PGlite data folder)', function () {
    let dataDir: string;
    const dir = tempDir('backups');
    let patientId: string;

    before(async () => {
      const server = await startTestServer();
      dataDir = server.database.dataDir;
      patientId = (await server.call('POST', '/Patient', { body: newPatient() })).body.id;
      const refused = await backup([], { DATA_DIR: dataDir, BACKUP_DIR: dir });
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.match(/is open in process \d+: stop the server first/);
      await server.sql.end();
      await server.close();
    });
    after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

    it('backs up the stopped database, and --verify finds every table of the copy equal', async () => {
      const result = await backup([], { DATA_DIR: dataDir, BACKUP_DIR: dir });
      expect(result.code, result.stderr).to.equal(0);
      expect(path.basename(last(result.stdout).file)).to.match(/^fhir-backup-\d{8}T\d{6}Z-monthly\.pglite\.tar\.gz$/);
      const verified = await backup(['--verify'], { DATA_DIR: dataDir, BACKUP_DIR: dir });
      expect(verified.code, verified.stderr).to.equal(0);
      const report = last(verified.stdout);
      expect(report.ok).to.equal(true);
      expect(report.tables.find((t: any) => t.table === 'patients').rows).to.equal(1);
    });

    it('restores into an empty DATA_DIR, where a server then serves the same Patient', async () => {
      const [file] = fs.readdirSync(dir).filter((f) => f.endsWith('.tar.gz'));
      const target = tempDir('restored');
      const result = await restore(path.join(dir, file!), { DATA_DIR: target });
      expect(result.code, result.stderr).to.equal(0);
      const config = loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        SEED_DEMO: 'false',
        DATA_DIR: target,
      });
      const server = await startServer(config, createLogger('silent'));
      try {
        const res = await fetch(`${server.url}/fhir/Patient/${patientId}`);
        expect(res.status).to.equal(200);
      } finally {
        await server.close();
      }
      const again = await restore(path.join(dir, file!), { DATA_DIR: target });
      expect(again.code).to.equal(1);
      expect(again.stderr).to.match(/already holds a database/);
    });

    it('refuses a truncated file (with or without its manifest) and a foreign file, leaving the folder empty', async () => {
      const [file] = fs.readdirSync(dir).filter((f) => f.endsWith('.tar.gz'));
      const full = path.join(dir, file!);
      const foreign = path.join(tempDir('foreign'), 'foreign.pglite.tar.gz');
      const { gzipSync } = await import('node:zlib');
      fs.writeFileSync(foreign, gzipSync(randomBytes(10000)));
      const cases: [string, RegExp][] = [
        [truncatedCopy(full, true), /truncated or altered; nothing was changed/],
        [truncatedCopy(full, false), /truncated or damaged/],
        [foreign, /not an embedded-database backup/],
      ];
      for (const [candidate, message] of cases) {
        const target = tempDir('target');
        const result = await restore(candidate, { DATA_DIR: target });
        expect(result.code, candidate).to.equal(1);
        expect(result.stderr, candidate).to.match(message);
        expect(result.stderr).not.to.match(/\n\s+at /);
        expect(fs.readdirSync(target), candidate).to.deep.equal([]);
      }
    });
  });
