// Who an access token speaks for (the claims of our access tokens, once verified).
import type { Grant } from './scopes.js';

export interface Principal {
  clientId: string;
  /** The granted scopes, as in the token's `scope`. */
  scopes: readonly string[];
  grants: readonly Grant[];
  /** Launch context: the patient the token is about (`patient` in the token response). */
  patient?: string;
  encounter?: string;
  /** users.id of the signed-in user; absent for Backend Services tokens. */
  userId?: string;
  /** Patient.id of the signed-in user when the user is a patient: bounds `user/` scopes. */
  userPatient?: string;
  /** Whether the user holds a clinical or administrative role (users.roles). */
  staff: boolean;
  fhirUser?: string;
  jti: string;
  exp: number;
}
