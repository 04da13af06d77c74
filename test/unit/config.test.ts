// Configuration by environment variables, checked at start (D12).
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration (src/config.ts)', () => {
  it('has working defaults: port 8080, embedded database under ./data, FHIR base /fhir', () => {
    const config = loadConfig({});
    expect(config.port).to.equal(8080);
    expect(config.labCodeSystem).to.equal('http://loinc.org');
    expect(config.databaseUrl).to.equal(undefined);
    expect(config.dataDir).to.match(/[/\\]data$/);
    expect(config.fhirBasePath).to.equal('/fhir');
    expect(config.fhirBaseUrl).to.equal('http://localhost:8080/fhir');
    expect(config.logLevel).to.equal('info');
    expect(config.corsOrigins).to.deep.equal([]);
    expect(config.hospitalTimeZone).to.equal('UTC');
    expect(config.auditFlushMs).to.equal(50);
  });

  it('reads every documented variable', () => {
    const config = loadConfig({
      PORT: '9000',
      DATABASE_URL: 'postgresql://fhir@db:5432/hospital',
      DATA_DIR: '/var/lib/fhir',
      FHIR_BASE_PATH: '/api/fhir/',
      FHIR_BASE_URL: 'https://fhir.example.org/api/fhir/',
      LOG_LEVEL: 'debug',
      CORS_ORIGINS: 'https://a.example.org, https://b.example.org:8443',
      BODY_LIMIT: '10mb',
      MIGRATE_ON_START: 'false',
      SEED_DEMO: 'true',
      SEED_DEMO_PATIENTS: '5',
      DB_POOL_MAX: '20',
      HOSPITAL_TIME_ZONE: 'Europe/Berlin',
      AUDIT_FLUSH_MS: '200',
    });
    expect(config).to.include({
      port: 9000,
      databaseUrl: 'postgresql://fhir@db:5432/hospital',
      dataDir: '/var/lib/fhir',
      fhirBasePath: '/api/fhir',
      fhirBaseUrl: 'https://fhir.example.org/api/fhir',
      logLevel: 'debug',
      bodyLimitBytes: 10 * 1024 * 1024,
      migrateOnStart: false,
      seedDemo: 'true',
      seedDemoPatients: 5,
      dbPoolMax: 20,
      hospitalTimeZone: 'Europe/Berlin',
      auditFlushMs: 200,
    });
    expect(config.corsOrigins).to.deep.equal(['https://a.example.org', 'https://b.example.org:8443']);
  });

  const bad: [string, string, RegExp][] = [
    ['PORT', 'eighty', /PORT: must be a whole number/],
    ['PORT', '70000', /PORT: must be between 0 and 65535/],
    ['DATABASE_URL', 'mysql://x@y/z', /DATABASE_URL: must use postgres or postgresql/],
    ['DATABASE_URL', 'not a url', /DATABASE_URL: must be an absolute URL/],
    ['FHIR_BASE_URL', 'ftp://x/fhir', /FHIR_BASE_URL: must use http or https/],
    ['FHIR_BASE_PATH', 'fhir', /FHIR_BASE_PATH: must be a URL path/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: must be one of/],
    ['CORS_ORIGINS', 'https://a.example.org/path', /CORS_ORIGINS: .* is not an origin/],
    ['BODY_LIMIT', 'huge', /BODY_LIMIT: must be a size/],
    ['MIGRATE_ON_START', 'maybe', /MIGRATE_ON_START: must be true or false/],
    ['SEED_DEMO', 'sometimes', /SEED_DEMO: must be one of auto, true, false/],
    ['HOSPITAL_TIME_ZONE', 'Mars/Olympus', /HOSPITAL_TIME_ZONE: must be an IANA time zone/],
    ['LAB_CODE_SYSTEM', 'loinc', /LAB_CODE_SYSTEM: must be an absolute URL/],
    ['AUDIT_FLUSH_MS', '0', /AUDIT_FLUSH_MS: must be between 1 and 10000/],
  ];
  for (const [name, value, message] of bad)
    it(`refuses ${name}=${value} with a message naming the variable`, () => {
      expect(() => loadConfig({ [name]: value }))
        .to.throw(ConfigError)
        .with.property('message')
        .that.matches(message);
    });
});
