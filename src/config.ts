// One typed configuration, read from environment variables and checked at start (D12).
// Every variable here is documented in the README's configuration table.
import path from 'node:path';

export type SeedDemo = 'auto' | 'true' | 'false';
export type AuthMode = 'off' | 'smart';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  dbPoolMax: number;
  fhirBasePath: string;
  fhirBaseUrl: string;
  logLevel: LogLevel;
  corsOrigins: '*' | string[];
  bodyLimitBytes: number;
  /** Most entries a batch or transaction Bundle may hold (413 beyond). */
  bundleMaxEntries: number;
  migrateOnStart: boolean;
  seedDemo: SeedDemo;
  seedDemoPatients: number;
  shutdownTimeoutMs: number;
  /** node:http limits against slow clients (slowloris): whole headers, whole request, idle keep-alive. */
  http: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number };
  trustProxy: string | false;
  /** 32-byte key for encrypted columns (patients.ssn); undefined: generated under DATA_DIR when embedded. */
  dataEncryptionKey: Buffer | undefined;
  /** Namespace of the identifier systems of business numbers (D3). */
  identifierNamespace: string;
  /** Search page size when the client gives no _count, and the largest page served. */
  searchDefaultCount: number;
  searchMaxCount: number;
  /** Signs search page links; undefined: the secret the database keeps (fhir_server_secrets). */
  searchCursorSecret: string | undefined;
  /** IANA time zone of the hospital's local times (appointments.appointmentTime). */
  hospitalTimeZone: string;
  /** Days ahead that Slot searches cover (SLOT_HORIZON_DAYS). */
  slotHorizonDays: number;
  /** Code system of lab_tests.testCode and result codes that look like LOINC codes. */
  labCodeSystem: string;
  /** D8: `smart` serves the authorization server and requires a token on FHIR routes; `off` serves FHIR open. */
  authMode: AuthMode;
  auth: {
    /** Public URL of the authorization server: the issuer of its tokens, its endpoints under it. */
    issuer: string;
    accessTokenSeconds: number;
    refreshTokenDays: number;
    lockoutFailures: number;
    lockoutMinutes: number;
    keyRotationDays: number;
    /** Requests per minute and client address to each sign-in and token endpoint. */
    rateLimitPerMinute: number;
    /** RFC 7591 dynamic client registration at /auth/register. */
    dynamicRegistration: boolean;
  };
  /** D9: every FHIR interaction writes an audit_logs row. */
  auditEnabled: boolean;
  /** Longest wait, in ms, before queued audit rows are written (AUDIT_FLUSH_MS); longer waits write fewer, larger INSERTs. */
  auditFlushMs: number;
  /** How often the server applies the Data Retention Policy itself; undefined: never (npm run retention). */
  retentionIntervalMs: number | undefined;
  /** Where npm run backup writes and rotates its backups. */
  backupDir: string;
  /** Bulk Data export: output folder, how long finished exports stay, the job lease, batch size, poll interval. */
  export: { dir: string; keepSeconds: number; leaseSeconds: number; batchSize: number; pollMs: number };
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw))
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be an absolute URL');
  }
  if (!protocols.includes(parsed.protocol))
    throw new ConfigError(name, `must use ${protocols.map((p) => p.replace(':', '')).join(' or ')}`);
  return raw;
}

const SIZE = /^(\d+)\s*(b|kb|mb)?$/i;
function bytes(env: Env, name: string, fallback: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const match = SIZE.exec(raw);
  if (!match) throw new ConfigError(name, `must be a size such as 512kb or 5mb, got "${raw}"`);
  const unit = (match[2] ?? 'b').toLowerCase();
  const value = Number(match[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
  if (value < 1024 || value > 1024 * 1024 * 1024) throw new ConfigError(name, 'must be between 1kb and 1024mb');
  return value;
}

function basePath(env: Env): string {
  const raw = read(env, 'FHIR_BASE_PATH') ?? '/fhir';
  if (!/^\/[A-Za-z0-9\-._~/]*$/.test(raw) || raw.includes('//'))
    throw new ConfigError('FHIR_BASE_PATH', `must be a URL path such as /fhir, got "${raw}"`);
  return raw.length > 1 ? raw.replace(/\/$/, '') : raw;
}

/** Unset: no origin may call from a browser (no CORS headers at all); `*` must be asked for. */
function corsOrigins(env: Env): '*' | string[] {
  const raw = read(env, 'CORS_ORIGINS');
  if (raw === undefined) return [];
  if (raw === '*') return '*';
  const origins = raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError('CORS_ORIGINS', `"${origin}" is not an origin such as https://app.example.org`);
    }
    if (parsed.origin !== origin)
      throw new ConfigError('CORS_ORIGINS', `"${origin}" is not an origin (scheme://host[:port], no path)`);
  }
  return origins;
}

function encryptionKey(env: Env): Buffer | undefined {
  const raw = read(env, 'DATA_ENCRYPTION_KEY');
  if (raw === undefined) return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32)
    throw new ConfigError(
      'DATA_ENCRYPTION_KEY',
      'must be 32 bytes, as 64 hex digits or base64 (openssl rand -base64 32)',
    );
  return key;
}

function interval(env: Env, name: string): number | undefined {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined || raw === 'off') return undefined;
  const match = /^(\d+)(m|h|d)$/.exec(raw);
  if (!match || Number(match[1]) === 0)
    throw new ConfigError(name, `must be off or an interval such as 30m, 12h or 1d, got "${raw}"`);
  return Number(match[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
}

function searchSettings(env: Env) {
  const searchMaxCount = integer(env, 'SEARCH_MAX_COUNT', 1000, 1, 10000);
  const searchDefaultCount = integer(env, 'SEARCH_DEFAULT_COUNT', 20, 1, 10000);
  if (searchDefaultCount > searchMaxCount)
    throw new ConfigError('SEARCH_DEFAULT_COUNT', `must not exceed SEARCH_MAX_COUNT (${searchMaxCount})`);
  const searchCursorSecret = read(env, 'SEARCH_CURSOR_SECRET');
  if (searchCursorSecret !== undefined && searchCursorSecret.length < 32)
    throw new ConfigError('SEARCH_CURSOR_SECRET', 'must be at least 32 characters (openssl rand -base64 32)');
  return { searchDefaultCount, searchMaxCount, searchCursorSecret };
}

function timeZone(env: Env, name: string, fallback: string): string {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: raw }).resolvedOptions().timeZone;
  } catch {
    throw new ConfigError(name, `must be an IANA time zone such as Europe/Berlin or UTC, got "${raw}"`);
  }
}

/** Reads and checks the configuration; throws ConfigError naming the first bad variable. */
function httpTimeouts(env: Env): Config['http'] {
  const headersTimeoutMs = integer(env, 'HTTP_HEADERS_TIMEOUT_MS', 20000, 100, 600000);
  const requestTimeoutMs = integer(env, 'HTTP_REQUEST_TIMEOUT_MS', 60000, 100, 3600000);
  if (requestTimeoutMs < headersTimeoutMs)
    throw new ConfigError('HTTP_REQUEST_TIMEOUT_MS', 'must be at least HTTP_HEADERS_TIMEOUT_MS');
  return {
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: integer(env, 'HTTP_KEEPALIVE_TIMEOUT_MS', 5000, 100, 600000),
  };
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = read(env, 'HOST') ?? '0.0.0.0';
  const fhirBasePath = basePath(env);
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const fhirBaseUrl = (
    url(env, 'FHIR_BASE_URL', ['http:', 'https:']) ?? `http://localhost:${port}${fhirBasePath}`
  ).replace(/\/$/, '');
  const trustProxy = read(env, 'TRUST_PROXY');
  return {
    port,
    host,
    databaseUrl,
    dataDir: path.resolve(read(env, 'DATA_DIR') ?? './data'),
    dbPoolMax: databaseUrl ? integer(env, 'DB_POOL_MAX', 10, 1, 200) : 1,
    fhirBasePath,
    fhirBaseUrl,
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    corsOrigins: corsOrigins(env),
    bodyLimitBytes: bytes(env, 'BODY_LIMIT', 5 * 1024 * 1024),
    bundleMaxEntries: integer(env, 'BUNDLE_MAX_ENTRIES', 1000, 1, 100000),
    migrateOnStart: boolean(env, 'MIGRATE_ON_START', true),
    seedDemo: oneOf(env, 'SEED_DEMO', ['auto', 'true', 'false'], 'auto'),
    seedDemoPatients: integer(env, 'SEED_DEMO_PATIENTS', 25, 1, 100000),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10000, 0, 600000),
    http: httpTimeouts(env),
    trustProxy: trustProxy === undefined || trustProxy.toLowerCase() === 'false' ? false : trustProxy,
    dataEncryptionKey: encryptionKey(env),
    ...searchSettings(env),
    authMode: oneOf(env, 'AUTH_MODE', ['off', 'smart'], 'off'),
    auth: {
      issuer: (url(env, 'AUTH_ISSUER', ['http:', 'https:']) ?? `${new URL(fhirBaseUrl).origin}/auth`).replace(
        /\/$/,
        '',
      ),
      accessTokenSeconds: integer(env, 'AUTH_ACCESS_TOKEN_SECONDS', 3600, 60, 86400),
      refreshTokenDays: integer(env, 'AUTH_REFRESH_TOKEN_DAYS', 30, 1, 3650),
      lockoutFailures: integer(env, 'AUTH_LOCKOUT_FAILURES', 5, 1, 1000),
      lockoutMinutes: integer(env, 'AUTH_LOCKOUT_MINUTES', 15, 1, 10080),
      keyRotationDays: integer(env, 'AUTH_KEY_ROTATION_DAYS', 90, 1, 3650),
      rateLimitPerMinute: integer(env, 'AUTH_RATE_LIMIT_PER_MINUTE', 600, 1, 1000000),
      dynamicRegistration: boolean(env, 'AUTH_DYNAMIC_REGISTRATION', false),
    },
    identifierNamespace: (
      url(env, 'IDENTIFIER_NAMESPACE', ['http:', 'https:', 'urn:']) ?? 'https://fhir-interop-server.dev/fhir/sid'
    ).replace(/\/$/, ''),
    hospitalTimeZone: timeZone(env, 'HOSPITAL_TIME_ZONE', 'UTC'),
    slotHorizonDays: integer(env, 'SLOT_HORIZON_DAYS', 28, 1, 366),
    labCodeSystem: url(env, 'LAB_CODE_SYSTEM', ['http:', 'https:', 'urn:']) ?? 'http://loinc.org',
    auditEnabled: boolean(env, 'AUDIT_ENABLED', true),
    auditFlushMs: integer(env, 'AUDIT_FLUSH_MS', 50, 1, 10000),
    retentionIntervalMs: interval(env, 'RETENTION_INTERVAL'),
    backupDir: path.resolve(read(env, 'BACKUP_DIR') ?? './backups'),
    export: {
      dir: path.resolve(read(env, 'EXPORT_DIR') ?? path.join(read(env, 'DATA_DIR') ?? './data', 'exports')),
      keepSeconds: integer(env, 'EXPORT_KEEP_SECONDS', 86400, 1, 30 * 86400),
      leaseSeconds: integer(env, 'EXPORT_LEASE_SECONDS', 30, 1, 3600),
      batchSize: integer(env, 'EXPORT_BATCH_SIZE', 1000, 1, 100000),
      pollMs: integer(env, 'EXPORT_POLL_MS', 1000, 10, 60000),
    },
  };
}
