// HTTP basics of the FHIR endpoint: metadata, errors as OperationOutcomes (D10), CORS, health, metrics.
import { expect } from 'chai';
import type { CapabilityStatement, OperationOutcome } from 'fhir/r4.js';
import { fhirSchemaErrors } from '../../support/fhir-schema.js';
import { startTestServer, type TestServer } from '../../support/server.js';

function expectOutcome(body: unknown, code: string): OperationOutcome {
  const outcome = body as OperationOutcome;
  expect(outcome.resourceType).to.equal('OperationOutcome');
  expect(outcome.issue[0]!.code).to.equal(code);
  expect(JSON.stringify(outcome)).not.to.match(/\bat [\w.<>]+ \(|node_modules|\.ts:\d+/); // no stack trace
  expect(fhirSchemaErrors(outcome)).to.deep.equal([]);
  return outcome;
}

describe('HTTP basics (http.html)', function () {
  let server: TestServer;
  let base: string;

  before(async () => {
    server = await startTestServer({ BODY_LIMIT: '2kb', CORS_ORIGINS: 'https://app.example.org' });
    base = `${server.url}/fhir`;
  });
  after(() => server?.stop());

  it('GET /fhir/metadata returns a valid R4 CapabilityStatement as application/fhir+json', async () => {
    const res = await fetch(`${base}/metadata`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^application\/fhir\+json/);
    const cs = (await res.json()) as CapabilityStatement;
    expect(fhirSchemaErrors(cs)).to.deep.equal([]);
    expect(cs).to.include({
      resourceType: 'CapabilityStatement',
      fhirVersion: '4.0.1',
      kind: 'instance',
      status: 'active',
    });
    expect(cs.format).to.include('application/fhir+json');
    expect(cs.software?.name).to.be.a('string');
    expect(cs.implementation?.url).to.equal(server.config.fhirBaseUrl);
  });

  it('an unknown FHIR route is a 404 OperationOutcome', async () => {
    const res = await fetch(`${base}/NoSuchThing/123`);
    expect(res.status).to.equal(404);
    expectOutcome(await res.json(), 'not-found');
  });

  it('an unknown route outside the FHIR base is a 404 OperationOutcome too', async () => {
    const res = await fetch(`${server.url}/nowhere`);
    expect(res.status).to.equal(404);
    expectOutcome(await res.json(), 'not-found');
  });

  it('a malformed JSON body is a 400 OperationOutcome', async () => {
    const res = await fetch(`${base}/metadata`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: '{"resourceType": "Patient", ',
    });
    expect(res.status).to.equal(400);
    expectOutcome(await res.json(), 'invalid');
  });

  it('a body over the configured limit is a 413 OperationOutcome', async () => {
    const res = await fetch(`${base}/metadata`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceType: 'Basic', text: 'x'.repeat(4096) }),
    });
    expect(res.status).to.equal(413);
    expectOutcome(await res.json(), 'too-costly');
  });

  it('a body that is not JSON is a 415 OperationOutcome', async () => {
    const res = await fetch(`${base}/metadata`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).to.equal(415);
    expectOutcome(await res.json(), 'not-supported');
  });

  it('asking for XML only is a 406 OperationOutcome; _format=json is honoured', async () => {
    const xml = await fetch(`${base}/metadata`, { headers: { accept: 'application/fhir+xml' } });
    expect(xml.status).to.equal(406);
    expectOutcome(await xml.json(), 'not-supported');
    expect((await fetch(`${base}/metadata?_format=xml`)).status).to.equal(406);
    expect((await fetch(`${base}/metadata?_format=json`)).status).to.equal(200);
    expect((await fetch(`${base}/metadata`, { headers: { accept: 'text/html,*/*;q=0.8' } })).status).to.equal(200);
  });

  it('a method the route does not allow is a 405 OperationOutcome with Allow', async () => {
    const res = await fetch(`${base}/metadata`, { method: 'DELETE' });
    expect(res.status).to.equal(405);
    expect(res.headers.get('allow')).to.equal('GET, HEAD');
    expectOutcome(await res.json(), 'not-supported');
  });

  it('answers a CORS preflight from a configured origin, and not from another', async () => {
    const preflight = (origin: string) =>
      fetch(`${base}/metadata`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight('https://app.example.org');
    expect(allowed.status).to.equal(204);
    expect(allowed.headers.get('access-control-allow-origin')).to.equal('https://app.example.org');
    expect(allowed.headers.get('access-control-allow-headers')).to.match(/authorization/i);
    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).to.equal(null);
  });

  it('sets the security headers of a JSON API and a request id, echoing a sane client id', async () => {
    const res = await fetch(`${base}/metadata`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(res.headers.get('content-security-policy')).to.equal("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).to.equal('DENY');
    expect(res.headers.get('strict-transport-security'), 'no HSTS over plain HTTP').to.equal(null);
    expect(res.headers.get('x-powered-by')).to.equal(null);
    expect(res.headers.get('x-request-id')).to.equal('abc-123');
    const generated = await fetch(`${base}/metadata`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(generated.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
  });

  it('/healthz and /readyz answer while the database is reachable', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).to.equal(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).to.equal(200);
    expect(await ready.json()).to.deep.equal({ status: 'ok', database: true });
  });

  it('/metrics exposes request counts and latency by route and status, and pool usage', async () => {
    await fetch(`${base}/metadata`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).to.match(/http_requests_total\{method="GET",route="\/fhir\/metadata",status="200"\} \d+/);
    expect(text).to.match(
      /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/fhir\/metadata",status="200"\}/,
    );
    expect(text).to.match(/db_pool_connections\{state="max"\} \d+/);
    expect(text).to.match(/http_requests_total\{method="GET",route="unmatched",status="404"\}/);
  });
});
