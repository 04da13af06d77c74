// What every part of the authorization server gets: its configuration, the database and the keys.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config.js';
import type { SigningKeys } from './signing-keys.js';

export interface AuthContext {
  issuer: string;
  /** The FHIR base URL: the audience (`aud`) of access tokens. */
  fhirBaseUrl: string;
  settings: Config['auth'];
  em(): EntityManager;
  keys: SigningKeys;
  /** Every sign-in and token decision, for the log and the audit trail (D9); never carries a secret. */
  record(event: AuthEvent): void;
}

export interface AuthEvent {
  event: 'sign-in' | 'second-factor' | 'token';
  outcome: 'success' | 'failure';
  reason?: string;
  userId?: string;
  email?: string;
  clientId?: string;
  grantType?: string;
}

/** What a user (or a backend client) granted a client: carried by codes, refresh and access tokens. */
export interface GrantedAccess {
  scope: string;
  userId?: string;
  patient?: string;
  encounter?: string;
  fhirUser?: string;
  staff: boolean;
  userPatient?: string;
  nonce?: string;
  authTime?: number;
}

export const endpoints = (issuer: string) => ({
  authorize: `${issuer}/authorize`,
  token: `${issuer}/token`,
  introspect: `${issuer}/introspect`,
  revoke: `${issuer}/revoke`,
  jwks: `${issuer}/jwks`,
  launch: `${issuer}/launch`,
});
