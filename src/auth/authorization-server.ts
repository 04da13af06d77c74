// The SMART authorization server (D8) composed: keys, the authorization flow, the token,
// introspection, revocation and launch endpoints, and the bearer check of FHIR requests.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MapContext } from '../../mappings/types.js';
import type { Config } from '../config.js';
import type { FhirAccess } from '../fhir/access.js';
import type { Principal as RequestPrincipal } from '../fhir/request.js';
import { accessPolicy } from './access-policy.js';
import { InvalidToken, verifyAccessToken } from './access-token.js';
import { AuthorizationFlow } from './authorization-flow.js';
import type { Form } from './client-authentication.js';
import type { AuthContext, AuthEvent } from './context.js';
import { openidConfiguration, restSecurity, smartConfiguration } from './discovery.js';
import { registerDynamically } from './dynamic-registration.js';
import { introspect, revoke } from './introspection.js';
import { createLaunch } from './launch.js';
import { resetPassword } from './login.js';
import { OAuthError } from './oauth-error.js';
import { withinRateLimit } from './rate-limit.js';
import { RequestPrincipals } from './request-principal.js';
import { RevokedTokens } from './revoked-tokens.js';
import { SigningKeys } from './signing-keys.js';
import { tokenEndpoint } from './token-endpoint.js';

export type BearerResult =
  | { ok: true; access: FhirAccess; principal: RequestPrincipal }
  | { ok: false; error: 'missing' | 'invalid'; reason: string };

export class AuthorizationServer {
  readonly ctx: AuthContext;
  readonly flow: AuthorizationFlow;
  private readonly revoked: RevokedTokens;
  private readonly principals: RequestPrincipals;

  constructor(
    config: Config,
    em: () => EntityManager,
    private readonly mapContext: MapContext,
    private readonly resourceTypes: readonly string[],
    record: (event: AuthEvent) => void = () => {},
  ) {
    const graceSeconds = Math.max(config.auth.accessTokenSeconds, 600);
    this.ctx = {
      issuer: config.auth.issuer,
      fhirBaseUrl: config.fhirBaseUrl,
      settings: config.auth,
      em,
      keys: new SigningKeys(em, config.auth.keyRotationDays, graceSeconds),
      record,
    };
    this.flow = new AuthorizationFlow(this.ctx);
    this.revoked = new RevokedTokens(em);
    this.principals = new RequestPrincipals(em);
  }

  /** Whether a request from `address` to `endpoint` is within AUTH_RATE_LIMIT_PER_MINUTE. */
  withinRateLimit(endpoint: string, address: string | undefined): Promise<boolean> {
    return withinRateLimit(this.ctx.em(), `${endpoint}:${address ?? '?'}`, this.ctx.settings.rateLimitPerMinute);
  }

  prepare(): Promise<void> {
    return this.ctx.keys.prepare();
  }

  smartConfiguration() {
    return { ...smartConfiguration(this.ctx.issuer, this.resourceTypes), ...this.registrationEndpoint() };
  }
  openidConfiguration() {
    return { ...openidConfiguration(this.ctx.issuer, this.resourceTypes), ...this.registrationEndpoint() };
  }
  private registrationEndpoint() {
    return this.ctx.settings.dynamicRegistration ? { registration_endpoint: `${this.ctx.issuer}/register` } : {};
  }
  restSecurity() {
    return restSecurity(this.ctx.issuer);
  }
  jwks() {
    return this.ctx.keys.jwks();
  }

  async token(form: Form, authorization: string | undefined) {
    const base = { event: 'token' as const, grantType: form.grant_type, clientId: form.client_id };
    try {
      const response = await tokenEndpoint(this.ctx, form, authorization);
      this.ctx.record({ ...base, outcome: 'success' });
      return response;
    } catch (error) {
      if (error instanceof OAuthError) this.ctx.record({ ...base, outcome: 'failure', reason: error.error });
      throw error;
    }
  }
  introspect(form: Form, authorization: string | undefined) {
    return introspect(this.ctx, form, authorization);
  }
  async revoke(form: Form, authorization: string | undefined) {
    const jti = await revoke(this.ctx, form, authorization);
    if (jti) this.revoked.add(jti);
  }
  /** RFC 7591, when AUTH_DYNAMIC_REGISTRATION is on. */
  register(metadata: unknown) {
    if (!this.ctx.settings.dynamicRegistration)
      throw new OAuthError('access_denied', 'dynamic client registration is turned off on this server');
    return registerDynamically(this.ctx.em(), metadata);
  }

  resetPassword(token: string, password: string) {
    return resetPassword(this.ctx.em(), token, password);
  }

  /** An EHR (a staff user's or a system token) asks for a launch value for a patient. */
  async launch(authorization: string | undefined, patient: string | undefined, encounter: string | undefined) {
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!bearer) throw new OAuthError('invalid_token', 'a bearer token is required');
    let principal;
    try {
      principal = await verifyAccessToken(this.ctx, bearer);
    } catch (error) {
      if (error instanceof InvalidToken) throw new OAuthError('invalid_token', error.message);
      throw error;
    }
    if (!principal.staff || principal.patient)
      throw new OAuthError('access_denied', 'only a staff user or a system client may create a launch');
    if (!patient) throw new OAuthError('invalid_request', 'patient is required');
    return { launch: await createLaunch(this.ctx, patient, encounter) };
  }

  /** The Authorization header of a FHIR request as the request's access. */
  async bearer(authorization: string | undefined): Promise<BearerResult> {
    if (!authorization) return { ok: false, error: 'missing', reason: 'an access token is required' };
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (!token) return { ok: false, error: 'invalid', reason: 'the Authorization header must be Bearer <token>' };
    try {
      const principal = await verifyAccessToken(this.ctx, token);
      if (await this.revoked.has(principal.jti))
        return { ok: false, error: 'invalid', reason: 'the access token was revoked' };
      return {
        ok: true,
        access: accessPolicy(principal, this.mapContext),
        principal: await this.principals.of(principal),
      };
    } catch (error) {
      if (error instanceof InvalidToken) return { ok: false, error: 'invalid', reason: error.message };
      throw error;
    }
  }
}
