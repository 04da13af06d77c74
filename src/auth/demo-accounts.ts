// The demo accounts of a freshly seeded database (issue 7 §10): a patient user, a practitioner
// user and the admin (all with the demo password), a registered public SMART app and a Backend
// Services client with a generated ES384 key, written to DATA_DIR/demo.json for scripts.
import fs from 'node:fs';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import * as jose from 'jose';
import { registerClient } from './clients.js';

export const DEMO_APP = 'demo-app';
export const DEMO_BACKEND = 'demo-backend';

export interface DemoAccounts {
  patientUser: { email: string; password: string; patientId: string };
  practitionerUser: { email: string; password: string };
  adminUser: { email: string; password: string };
  app: { client_id: string; redirect_uri: string };
  backendClient: { client_id: string; private_jwk: jose.JWK };
}

export async function createDemoAccounts(
  em: EntityManager,
  o: { password: string; issuer: string; dataDir: string },
): Promise<DemoAccounts> {
  const [patient] = await em.execute<{ email: string; id: string }[]>(
    `select u.email, p.id from patients p join users u on u.id = p."userId"
      where u.status = 'active' and p."deletedAt" is null order by u."userId" limit 1`,
  );
  const [doctor] = await em.execute<{ email: string }[]>(
    `select u.email from doctors d join users u on u.id = d."userId" where u.status = 'active' order by u."userId" limit 1`,
  );
  const [admin] = await em.execute<{ email: string }[]>(
    `select email from users where 'admin' = any(roles) order by "userId" limit 1`,
  );
  if (!patient || !doctor || !admin) throw new Error('the demo data has no active patient, doctor or admin');
  const redirectUri = `${o.issuer}/demo-callback`;
  await registerClient(em, {
    clientId: DEMO_APP,
    name: 'Demo SMART app',
    kind: 'public',
    redirectUris: [redirectUri],
    scope:
      'openid fhirUser launch launch/patient online_access offline_access patient/*.cruds user/*.cruds patient/*.* user/*.*',
  });
  const { privateKey, publicKey } = await jose.generateKeyPair('ES384', { extractable: true });
  const kid = 'demo-backend-key';
  await registerClient(em, {
    clientId: DEMO_BACKEND,
    name: 'Demo backend service',
    kind: 'confidential-asymmetric',
    scope: 'system/*.rs system/*.read',
    jwks: { keys: [{ ...(await jose.exportJWK(publicKey)), kid, alg: 'ES384' }] },
  });
  const accounts: DemoAccounts = {
    patientUser: { email: patient.email, password: o.password, patientId: patient.id },
    practitionerUser: { email: doctor.email, password: o.password },
    adminUser: { email: admin.email, password: o.password },
    app: { client_id: DEMO_APP, redirect_uri: redirectUri },
    backendClient: {
      client_id: DEMO_BACKEND,
      private_jwk: { ...(await jose.exportJWK(privateKey)), kid, alg: 'ES384' },
    },
  };
  fs.mkdirSync(o.dataDir, { recursive: true });
  fs.writeFileSync(path.join(o.dataDir, 'demo.json'), `${JSON.stringify(accounts, null, 2)}\n`, { mode: 0o600 });
  return accounts;
}
