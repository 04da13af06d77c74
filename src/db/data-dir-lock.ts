// One process per embedded data folder: PGlite silently loses writes when two processes open it.
// The lock file also tells tools (seed, migrate) where the running server's database socket is.
import fs from 'node:fs';
import path from 'node:path';

export interface LockInfo {
  pid: number;
  startedAt: string;
  /** host:port of the running server's database socket, once it is listening. */
  databaseSocket?: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo,
  ) {
    super(
      `the data folder ${dataDir} is already in use by process ${holder.pid} (started ${holder.startedAt}); ` +
        'stop that process or choose another DATA_DIR',
    );
    this.name = 'DataDirLockedError';
  }
}

export const lockFileOf = (dataDir: string) => path.join(dataDir, 'server.lock');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of the data folder, or undefined when it is free (a stale lock counts as free). */
export function readLock(dataDir: string): LockInfo | undefined {
  let info: LockInfo;
  try {
    info = JSON.parse(fs.readFileSync(lockFileOf(dataDir), 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
  return Number.isInteger(info.pid) && info.pid !== process.pid && isAlive(info.pid) ? info : undefined;
}

export class DataDirLock {
  private constructor(
    private readonly file: string,
    private info: LockInfo,
  ) {}

  static acquire(dataDir: string): DataDirLock {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = lockFileOf(dataDir);
    const info: LockInfo = { pid: process.pid, startedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify(info), { flag: 'wx', mode: 0o600 });
        return new DataDirLock(file, info);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = readLock(dataDir);
        if (holder) throw new DataDirLockedError(dataDir, holder);
        fs.rmSync(file, { force: true }); // left by a process that died (SIGKILL)
      }
    }
    throw new Error(`could not take the lock ${file}`);
  }

  announce(databaseSocket: string): void {
    this.info = { ...this.info, databaseSocket };
    const temp = `${this.file}.${process.pid}`;
    fs.writeFileSync(temp, JSON.stringify(this.info), { mode: 0o600 });
    fs.renameSync(temp, this.file);
  }

  release(): void {
    try {
      const current = JSON.parse(fs.readFileSync(this.file, 'utf8')) as LockInfo;
      if (current.pid === process.pid) fs.rmSync(this.file, { force: true });
    } catch {
      // already gone
    }
  }
}
