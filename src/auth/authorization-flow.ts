// The steps between /authorize and the redirect with a code (SMART App Launch 2.2
// §obtain-authorization-code): sign in, second factor, patient picker (staff launching standalone
// with launch/patient), consent. Each step is a page (GET) and a form post that moves the
// authorization, kept in smart_authorizations (D11), to its next stage; posts must carry the
// authorization's CSRF token and the cookie naming it.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { checkAuthorizationRequest, redirectWith, type AuthorizationRequest } from './authorization-request.js';
import { sha256 } from './clients.js';
import type { AuthContext, GrantedAccess } from './context.js';
import { checkPassword, checkSecondFactor, identityOf, recordLogin, type LoginOutcome } from './login.js';
import * as pages from './pages.js';
import { parseResourceScope } from './scopes.js';

export type Stage = 'login' | 'mfa' | 'patient' | 'consent';

export type Step =
  | { kind: 'page'; status: number; html: string; formTarget?: string }
  | { kind: 'redirect'; location: string; interaction?: string };

interface AuthorizationRow {
  id: string;
  csrf: string;
  request: AuthorizationRequest | string;
  user_id: string | null;
  stage: Stage;
  patient_id: string | null;
}

interface Authorization {
  id: string;
  csrf: string;
  request: AuthorizationRequest;
  userId?: string;
  stage: Stage;
  patientId?: string;
}

const LIFETIME_MINUTES = 15;
const CODE_SECONDS = 120;
const page = (html: string, status = 200, formTarget?: string): Step => ({ kind: 'page', status, html, formTarget });
const goTo = (stage: Stage): Step => ({ kind: 'redirect', location: stage });
const expired = () =>
  page(
    pages.messagePage('Sign-in expired', 'This sign-in has expired or is not known. Start again from the app.'),
    400,
  );

const FAILURES: Record<Exclude<LoginOutcome, { ok: true }>['reason'], string> = {
  invalid: 'The email, password or code is not right.',
  locked: 'Too many failed attempts: this account is locked for a while. Try again later.',
  inactive: 'This account is not active. Ask the hospital to activate it.',
};

function sameToken(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(sha256(a));
  return timingSafeEqual(x, Buffer.from(sha256(b)));
}

export class AuthorizationFlow {
  constructor(private readonly ctx: AuthContext) {}

  private em(): EntityManager {
    return this.ctx.em();
  }

  private async load(id: string | undefined): Promise<Authorization | undefined> {
    if (!id || !/^[0-9a-f-]{36}$/.test(id)) return undefined;
    const [row] = await this.em().execute<AuthorizationRow[]>(
      'select * from smart_authorizations where id = ? and expires_at > now()',
      [id],
    );
    if (!row) return undefined;
    return {
      id: row.id,
      csrf: row.csrf,
      request: typeof row.request === 'string' ? JSON.parse(row.request) : row.request,
      userId: row.user_id ?? undefined,
      stage: row.stage,
      patientId: row.patient_id ?? undefined,
    };
  }

  private async move(a: Authorization, stage: Stage, set: { userId?: string; patientId?: string } = {}) {
    await this.em().execute(
      'update smart_authorizations set stage = ?, user_id = coalesce(?, user_id), patient_id = coalesce(?, patient_id) where id = ?',
      [stage, set.userId ?? null, set.patientId ?? null, a.id],
    );
    return goTo(stage);
  }

  private refuse(a: Authorization, error: string, description: string): Step {
    void this.em().execute('delete from smart_authorizations where id = ?', [a.id]);
    return {
      kind: 'redirect',
      location: redirectWith(a.request.redirectUri, { error, error_description: description, state: a.request.state }),
    };
  }

  /** GET /authorize: a checked request becomes an authorization at its login stage. */
  async start(query: Record<string, string | undefined>): Promise<Step> {
    const checked = await checkAuthorizationRequest(this.ctx, query);
    if (!checked.ok)
      return 'page' in checked
        ? page(pages.messagePage('Cannot sign in', checked.page), 400)
        : { kind: 'redirect', location: checked.redirect };
    const id = randomUUID();
    await this.em().execute(
      `insert into smart_authorizations (id, csrf, request, stage, expires_at)
       values (?, ?, ?, 'login', now() + make_interval(mins => ?))`,
      [id, randomBytes(24).toString('base64url'), JSON.stringify(checked.request), LIFETIME_MINUTES],
    );
    await this.em().execute('delete from smart_authorizations where expires_at < now()');
    return { kind: 'redirect', location: 'login', interaction: id };
  }

  /** GET of a step's page: the page of the stage the authorization is at. */
  async show(id: string | undefined, stage: Stage, query: Record<string, string | undefined> = {}): Promise<Step> {
    const a = await this.load(id);
    if (!a) return expired();
    if (a.stage !== stage) return goTo(a.stage);
    switch (stage) {
      case 'login':
        return page(pages.loginPage({ csrf: a.csrf, clientName: a.request.clientName }));
      case 'mfa':
        return page(pages.secondFactorPage({ csrf: a.csrf }));
      case 'patient':
        return page(pages.patientPickerPage({ csrf: a.csrf, patients: await this.patients(query.q), q: query.q }));
      case 'consent':
        return page(
          pages.consentPage({
            csrf: a.csrf,
            clientName: a.request.clientName,
            scopes: a.request.scopes,
            patientName: await this.patientName(a),
          }),
          200,
          a.request.redirectUri,
        );
    }
  }

  /** POST of a step's form. */
  async submit(
    id: string | undefined,
    stage: Stage,
    form: Record<string, string | string[] | undefined>,
  ): Promise<Step> {
    const a = await this.load(id);
    if (!a) return expired();
    const one = (name: string) => {
      const v = form[name];
      return Array.isArray(v) ? v[0] : v;
    };
    if (!sameToken(one('csrf'), a.csrf))
      return page(
        pages.messagePage('Cannot continue', 'The form is out of date (CSRF check failed). Start again.'),
        403,
      );
    if (a.stage !== stage) return goTo(a.stage);
    switch (stage) {
      case 'login': {
        const outcome = await checkPassword(this.ctx, one('email') ?? '', one('password') ?? '');
        this.ctx.record({
          event: 'sign-in',
          outcome: outcome.ok ? 'success' : 'failure',
          email: one('email'),
          clientId: a.request.clientId,
          ...(outcome.ok ? { userId: outcome.user.id } : { reason: outcome.reason }),
        });
        if (!outcome.ok)
          return page(
            pages.loginPage({
              csrf: a.csrf,
              clientName: a.request.clientName,
              email: one('email'),
              error: FAILURES[outcome.reason],
            }),
            outcome.reason === 'locked' ? 429 : 401,
          );
        if (outcome.user.mfaEnabled) return this.move(a, 'mfa', { userId: outcome.user.id });
        return this.signedIn(a, outcome);
      }
      case 'mfa': {
        const outcome = await checkSecondFactor(this.ctx, a.userId!, one('code') ?? '');
        this.ctx.record({
          event: 'second-factor',
          outcome: outcome.ok ? 'success' : 'failure',
          userId: a.userId,
          clientId: a.request.clientId,
          ...(outcome.ok ? {} : { reason: outcome.reason }),
        });
        if (!outcome.ok) return page(pages.secondFactorPage({ csrf: a.csrf, error: FAILURES[outcome.reason] }), 401);
        return this.signedIn(a, outcome);
      }
      case 'patient': {
        const patient = one('patient') ?? '';
        const [row] = /^[0-9a-f-]{36}$/.test(patient)
          ? await this.em().execute('select 1 from patients where id = ? and "deletedAt" is null', [patient])
          : [];
        if (!row)
          return page(
            pages.patientPickerPage({ csrf: a.csrf, patients: await this.patients(), error: 'Choose a patient.' }),
            400,
          );
        return this.move(a, 'consent', { patientId: patient });
      }
      case 'consent':
        return this.consent(a, form);
    }
  }

  /** After the last factor: lastLoginAt, then the patient context and consent. */
  private async signedIn(a: Authorization, outcome: Extract<LoginOutcome, { ok: true }>): Promise<Step> {
    const { user } = outcome;
    await recordLogin(this.em(), user.id);
    const identity = await identityOf(this.em(), user);
    const needsPatient = a.request.scopes.some(
      (s) => s === 'launch/patient' || parseResourceScope(s)?.context === 'patient',
    );
    if (a.request.launch) {
      if (!identity.staff && a.request.launch.patient !== identity.patientId)
        return this.refuse(a, 'access_denied', 'this user may not open that patient record');
      return this.move(a, 'consent', { userId: user.id, patientId: a.request.launch.patient });
    }
    if (!needsPatient) return this.move(a, 'consent', { userId: user.id });
    if (!identity.staff) {
      if (!identity.patientId) return this.refuse(a, 'access_denied', 'this user has no patient record');
      return this.move(a, 'consent', { userId: user.id, patientId: identity.patientId });
    }
    return this.move(a, 'patient', { userId: user.id });
  }

  private async consent(a: Authorization, form: Record<string, string | string[] | undefined>): Promise<Step> {
    const decision = Array.isArray(form.decision) ? form.decision[0] : form.decision;
    if (decision !== 'allow') return this.refuse(a, 'access_denied', 'the user denied access');
    const ticked = new Set(Array.isArray(form.scope) ? form.scope : form.scope ? [form.scope] : []);
    const scopes = a.request.scopes.filter((s) => ticked.has(s));
    if (scopes.length === 0) return this.refuse(a, 'access_denied', 'the user allowed none of the requested scopes');
    const em = this.em();
    const [user] = await em.execute<{ id: string; email: string; roles: string[] }[]>(
      'select id, email, roles from users where id = ?',
      [a.userId],
    );
    if (!user) return expired();
    const identity = await identityOf(em, { ...user, mfaEnabled: false });
    const fhirUser = identity.patientId
      ? `${this.ctx.fhirBaseUrl}/Patient/${identity.patientId}`
      : identity.practitionerId
        ? `${this.ctx.fhirBaseUrl}/Practitioner/${identity.practitionerId}`
        : undefined;
    const access: GrantedAccess = {
      scope: scopes.join(' '),
      userId: user.id,
      staff: identity.staff,
      ...(identity.patientId ? { userPatient: identity.patientId } : {}),
      ...(a.patientId ? { patient: a.patientId } : {}),
      ...(a.request.launch?.encounter ? { encounter: a.request.launch.encounter } : {}),
      ...(fhirUser ? { fhirUser } : {}),
      ...(a.request.nonce ? { nonce: a.request.nonce } : {}),
      authTime: Math.floor(Date.now() / 1000),
    };
    const code = randomBytes(32).toString('base64url');
    await em.transactional(async (tx) => {
      await tx.execute(
        `insert into smart_authorization_codes (code_hash, client_id, redirect_uri, code_challenge, "grant", family, expires_at)
         values (?, ?, ?, ?, ?, ?, now() + make_interval(secs => ?))`,
        [
          sha256(code),
          a.request.clientId,
          a.request.redirectUri,
          a.request.codeChallenge ?? null,
          JSON.stringify(access),
          randomUUID(),
          CODE_SECONDS,
        ],
      );
      await tx.execute('delete from smart_authorizations where id = ?', [a.id]);
    });
    return { kind: 'redirect', location: redirectWith(a.request.redirectUri, { code, state: a.request.state }) };
  }

  private async patients(q?: string): Promise<pages.PatientChoice[]> {
    const term = q?.trim()
      ? `%${q
          .trim()
          .toLowerCase()
          .replace(/[%_\\]/g, (c) => `\\${c}`)}%`
      : '%';
    const rows = await this.em().execute<
      { id: string; firstName: string; lastName: string; dateOfBirth: string | null; userId: string }[]
    >(
      `select p.id, u."firstName", u."lastName", u."dateOfBirth"::text as "dateOfBirth", u."userId"
         from patients p join users u on u.id = p."userId"
        where p."deletedAt" is null and u."deletedAt" is null
          and (lower(u."firstName" || ' ' || u."lastName") like ? or lower(u."userId") like ?)
        order by u."lastName", u."firstName" limit 20`,
      [term, term],
    );
    return rows.map((r) => ({
      id: r.id,
      name: `${r.firstName} ${r.lastName}`,
      number: r.userId,
      birthDate: r.dateOfBirth ?? undefined,
    }));
  }

  private async patientName(a: Authorization): Promise<string | undefined> {
    if (!a.patientId) return undefined;
    const [row] = await this.em().execute<{ name: string }[]>(
      `select u."firstName" || ' ' || u."lastName" as name from patients p join users u on u.id = p."userId" where p.id = ?`,
      [a.patientId],
    );
    return row?.name;
  }
}
