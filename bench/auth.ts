// The cost of authorization (issue 7): `npm run bench -- auth [--patients N] [--duration S]
// [--rounds N] [--connections N]`. On PostgreSQL (BENCH_DATABASE_URL, database fhir_bench_auth),
// two servers over the same database: AUTH_MODE=off and AUTH_MODE=smart. Patient read by id
// (the token's own patient) with a patient-scoped token against the same read without
// authorization, alternating rounds; then token-endpoint requests per second for
// client_credentials (private_key_jwt, ES384, a fresh assertion per request).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import * as jose from 'jose';
import { Browser, csrfOf, scopesOnPage } from '../test/support/smart-login.js';
import { onCleanup, withCleanup } from './cleanup.js';
import { runLoad, type LoadResult } from './load.js';
import { dropDatabase, freshDatabase, query } from './postgres.js';
import { startOurs, stop, type Running } from './processes.js';
import { runSeed } from './seed-runner.js';

const DATABASE = 'fhir_bench_auth';
const log = (message: string) => console.error(`[bench auth ${new Date().toISOString().slice(11, 19)}] ${message}`);
const REDIRECT = 'http://127.0.0.1:9/callback';

async function patientToken(smart: Running, email: string): Promise<{ token: string; patient: string }> {
  const origin = new URL(smart.base).origin;
  const aud = smart.base.replace('127.0.0.1', 'localhost');
  const browser = new Browser(`${origin}/auth`);
  const verifier = randomBytes(48).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: 'bench-app',
    redirect_uri: REDIRECT,
    scope: 'launch/patient patient/Patient.rs',
    state: 's',
    aud,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  await browser.get(`authorize?${q}`);
  const login = await browser.get('login');
  await browser.post('login', [
    ['csrf', csrfOf(login.html)],
    ['email', email],
    ['password', 'demo-password'],
  ]);
  const consent = await browser.get('consent');
  const done = await browser.post('consent', [
    ['csrf', csrfOf(consent.html)],
    ['decision', 'allow'],
    ...scopesOnPage(consent.html).map((s) => ['scope', s] as [string, string]),
  ]);
  const code = new URL(done.location!).searchParams.get('code')!;
  const res = await fetch(`${origin}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: 'bench-app',
    }),
  });
  const body = (await res.json()) as { access_token: string; patient: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return { token: body.access_token, patient: body.patient };
}

const readOne = (prefix: string, id: string, headers: Record<string, string>): autocannon.Request[] => [
  { method: 'GET', path: `${prefix}/Patient/${id}`, headers: { accept: 'application/fhir+json', ...headers } },
];

export async function runAuth(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      patients: { type: 'string', default: '2000' },
      duration: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
    },
  });
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const rounds = Number(values.rounds);
  await withCleanup(async () => {
    const url = await freshDatabase(DATABASE);
    onCleanup(() => dropDatabase(DATABASE));
    const env = { DATABASE_URL: url, DATA_DIR: path.join(os.tmpdir(), `${DATABASE}-${process.pid}`) };
    const off = await startOurs({ ...env, AUTH_MODE: 'off' });
    onCleanup(() => stop(off.proc));
    log(`seeding ${values.patients} patients`);
    await runSeed(env, Number(values.patients));
    const smart = await startOurs({ ...env, AUTH_MODE: 'smart', AUTH_RATE_LIMIT_PER_MINUTE: '1000000' });
    onCleanup(() => stop(smart.proc));
    const [user] = await query<{ email: string }>(
      url,
      `select u.email from patients p join users u on u.id = p."userId" where u.status = 'active' order by u."userId" limit 1`,
    );
    const { privateKey, publicKey } = await jose.generateKeyPair('ES384', { extractable: true });
    const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'bench', alg: 'ES384' };
    await query(
      url,
      `insert into smart_clients (client_id, name, kind, redirect_uris, scope) values
         ('bench-app', 'Bench app', 'public', array['${REDIRECT}'], 'launch/patient patient/*.rs');
       insert into smart_clients (client_id, name, kind, scope, jwks) values
         ('bench-backend', 'Bench backend', 'confidential-asymmetric', 'system/*.rs', '${JSON.stringify({ keys: [jwk] })}')`,
    );
    const { token, patient } = await patientToken(smart, user!.email);
    const check = await fetch(`${smart.base}/Patient/${patient}`, { headers: { authorization: `Bearer ${token}` } });
    const noToken = await fetch(`${smart.base}/Patient/${patient}`);
    log(`smart read with token ${check.status}, without ${noToken.status}`);

    const results: { target: string; result: LoadResult }[] = [];
    for (let round = 1; round <= rounds; round++)
      for (const [name, target, headers] of [
        ['off', off, {}],
        ['smart', smart, { authorization: `Bearer ${token}` }],
      ] as const) {
        const requests = readOne(target.prefix, patient, headers);
        await runLoad({ url: target.base, connections, durationSeconds: 2, requests });
        const result = await runLoad({ url: target.base, connections, durationSeconds: duration, requests });
        results.push({ target: name, result });
        log(
          `read round ${round} ${name}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}`,
        );
      }

    const tokenUrl = `${smart.base.replace('127.0.0.1', 'localhost').replace(/\/fhir$/, '')}/auth/token`;
    log('signing assertions');
    const assertions: string[] = [];
    for (let i = 0; i < 20000; i++)
      assertions.push(
        await new jose.SignJWT({ jti: randomUUID() })
          .setProtectedHeader({ alg: 'ES384', kid: 'bench' })
          .setIssuer('bench-backend')
          .setSubject('bench-backend')
          .setAudience(tokenUrl)
          .setExpirationTime('5m')
          .sign(privateKey),
      );
    let next = 0;
    const tokenRequests: autocannon.Request[] = [
      {
        method: 'POST',
        path: '/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        setupRequest: (request) => ({
          ...request,
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            scope: 'system/Patient.rs',
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: assertions[next++ % assertions.length]!,
          }).toString(),
        }),
      },
    ];
    const origin = new URL(smart.base).origin;
    const tokenResult = await runLoad({
      url: origin,
      connections: 16,
      durationSeconds: duration,
      requests: tokenRequests,
    });
    const mean = (name: string) => {
      const rs = results.filter((r) => r.target === name).map((r) => r.result);
      return {
        rps: rs.reduce((a, r) => a + r.requestsPerSecond, 0) / rs.length,
        p99: rs.reduce((a, r) => a + r.p99Ms, 0) / rs.length,
        non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
      };
    };
    const a = mean('off');
    const b = mean('smart');
    console.log(`\nPatient read by id, PostgreSQL, ${connections} connections, ${rounds} rounds of ${duration} s\n`);
    console.log('| AUTH_MODE | req/s | p99 ms | non-2xx |\n| --- | --- | --- | --- |');
    console.log(`| off | ${Math.round(a.rps)} | ${a.p99.toFixed(1)} | ${a.non2xx} |`);
    console.log(`| smart (patient/Patient.rs token) | ${Math.round(b.rps)} | ${b.p99.toFixed(1)} | ${b.non2xx} |`);
    console.log(`\nauthorization costs ${((1 - b.rps / a.rps) * 100).toFixed(1)}% of read throughput`);
    console.log(
      `\ntoken endpoint, client_credentials with private_key_jwt (ES384), 16 connections, ${duration} s: ` +
        `${Math.round(tokenResult.requestsPerSecond)} req/s, p99 ${tokenResult.p99Ms} ms, non-2xx ${tokenResult.non2xx} ` +
        `(${JSON.stringify(tokenResult.statusCodes)}), assertions reused after ${assertions.length}`,
    );
  });
}
