// EHR launch (SMART App Launch 2.2 §launch-ehr): an EHR asks us for a `launch` value bound to a
// patient (and encounter), opens the app with it, and the app passes it back to /authorize.
// The value is a short-lived JWT of ours, so no instance needs to remember it.
import * as jose from 'jose';
import type { AuthContext } from './context.js';
import { invalidRequest } from './oauth-error.js';

const TYP = 'launch+jwt';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function createLaunch(ctx: AuthContext, patient: string, encounter?: string): Promise<string> {
  if (!UUID.test(patient)) throw invalidRequest('patient must be a Patient id');
  const [row] = await ctx.em().execute('select 1 from patients where id = ? and "deletedAt" is null', [patient]);
  if (!row) throw invalidRequest(`Patient/${patient} is not known`);
  return ctx.keys.sign({ iss: ctx.issuer, aud: ctx.issuer, patient, ...(encounter ? { encounter } : {}) }, TYP, 600);
}

export async function readLaunch(
  ctx: AuthContext,
  launch: string,
): Promise<{ patient: string; encounter?: string } | undefined> {
  try {
    const { payload } = await jose.jwtVerify(launch, ctx.keys.keyFor, {
      issuer: ctx.issuer,
      audience: ctx.issuer,
      typ: TYP,
      algorithms: ['RS256'],
    });
    if (typeof payload.patient !== 'string') return undefined;
    return {
      patient: payload.patient,
      encounter: typeof payload.encounter === 'string' ? payload.encounter : undefined,
    };
  } catch {
    return undefined;
  }
}
