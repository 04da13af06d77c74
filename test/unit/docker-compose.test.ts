// docker-compose.yml is for the hospital's machines (no Docker engine here): it must parse and
// name PostgreSQL 15 and the server built from this repository, with health checks and a volume.
import fs from 'node:fs';
import { expect } from 'chai';
import { parse } from 'yaml';

interface Service {
  image?: string;
  build?: string | { context: string };
  environment?: Record<string, string>;
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}

describe('docker-compose.yml', () => {
  const file = parse(fs.readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as {
    services: Record<string, Service>;
    volumes: Record<string, unknown>;
  };

  it('runs PostgreSQL 15 with a health check and its data on a named volume', () => {
    const postgres = file.services.postgres!;
    expect(postgres.image).to.match(/^postgres:15/);
    expect(JSON.stringify(postgres.healthcheck?.test)).to.contain('pg_isready');
    const volume = postgres.volumes![0]!.split(':')[0]!;
    expect(file.volumes).to.have.property(volume);
  });

  it('builds the server from the Dockerfile here and points it at that PostgreSQL once healthy', () => {
    const server = file.services['fhir-server']!;
    expect(server.build).to.equal('.');
    expect(fs.existsSync(new URL('../../Dockerfile', import.meta.url))).to.equal(true);
    expect(server.environment!.DATABASE_URL).to.match(/^postgresql:\/\/.*@postgres:5432\//);
    expect(server.depends_on!.postgres!.condition).to.equal('service_healthy');
    expect(JSON.stringify(server.healthcheck?.test)).to.contain('/readyz');
  });

  it('sets only variables the configuration knows', async () => {
    const { loadConfig } = await import('../../src/config.js');
    const env = {
      ...file.services['fhir-server']!.environment,
      DATABASE_URL: 'postgresql://fhir:x@postgres:5432/fhir',
      FHIR_BASE_URL: 'http://localhost:8080/fhir',
    };
    expect(() => loadConfig(env)).not.to.throw();
    const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const name of Object.keys(env)) expect(readme, name).to.contain(`\`${name}\``);
  });
});
