// Security review points (issue 10): HSTS only over HTTPS (RFC 6797 §7.2), CSP on every answer and
// the sign-in pages' own, CORS only for configured origins, request size limits.
import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';

describe('hardening › security headers, CORS and limits (issue 10)', () => {
  describe('defaults', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ TRUST_PROXY: 'loopback', BODY_LIMIT: '1kb' });
    });
    after(() => server?.stop());

    it('sends no HSTS over plain HTTP, and HSTS behind a trusted TLS proxy (X-Forwarded-Proto: https)', async () => {
      const plain = await fetch(`${server.url}/fhir/metadata`);
      expect(plain.headers.get('strict-transport-security')).to.equal(null);
      const proxied = await fetch(`${server.url}/fhir/metadata`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(proxied.headers.get('strict-transport-security')).to.match(/^max-age=\d{7,}/);
    });

    it('puts a CSP that allows nothing on API answers, errors included', async () => {
      for (const path of ['/fhir/metadata', '/fhir/Patient/nope', '/nowhere', '/healthz']) {
        const res = await fetch(`${server.url}${path}`);
        expect(res.headers.get('content-security-policy'), path).to.match(/^default-src 'none'/);
        expect(res.headers.get('x-content-type-options'), path).to.equal('nosniff');
      }
    });

    it('with CORS_ORIGINS unset, no origin gets CORS headers, on a preflight or a request', async () => {
      const preflight = await fetch(`${server.url}/fhir/Patient`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).to.equal(null);
      const get = await fetch(`${server.url}/fhir/metadata`, { headers: { origin: 'https://evil.example' } });
      expect(get.headers.get('access-control-allow-origin')).to.equal(null);
    });

    it('refuses a body over BODY_LIMIT with 413 before reading it all', async () => {
      const res = await fetch(`${server.url}/fhir/Patient`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Patient', text: 'x'.repeat(4096) }),
      });
      expect(res.status).to.equal(413);
      expect(((await res.json()) as { resourceType: string }).resourceType).to.equal('OperationOutcome');
    });
  });

  describe('AUTH_MODE=smart sign-in pages', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ AUTH_MODE: 'smart', CORS_ORIGINS: 'https://app.example.org' });
    });
    after(() => server?.stop());

    it('a page carries its own strict CSP with no script, and only the configured origin gets CORS', async () => {
      const auth = new URL(server.config.auth.issuer).pathname;
      const page = await fetch(`${server.url}${auth}/reset?token=abc`);
      expect(page.headers.get('content-type')).to.match(/^text\/html/);
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).to.match(/default-src 'none'/);
      expect(csp).not.to.match(/script-src/);
      expect(csp).to.match(/frame-ancestors 'none'/);
      const token = await fetch(`${server.url}${auth}/token`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example.org', 'access-control-request-method': 'POST' },
      });
      expect(token.headers.get('access-control-allow-origin')).to.equal('https://app.example.org');
      const other = await fetch(`${server.url}${auth}/token`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(other.headers.get('access-control-allow-origin')).to.equal(null);
    });
  });
});
