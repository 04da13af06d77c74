// Discovery: /.well-known/smart-configuration (SMART App Launch 2.2 §conformance), the OpenID
// Provider metadata, and the CapabilityStatement's rest.security with the oauth-uris extension.
import type { CapabilityStatementRestSecurity } from 'fhir/r4.js';
import { endpoints } from './context.js';

export const CAPABILITIES = [
  'launch-ehr',
  'launch-standalone',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'context-banner',
  'context-style',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
  'sso-openid-connect',
  'authorize-post',
];

export function scopesSupported(resourceTypes: readonly string[]): string[] {
  const perType = resourceTypes.flatMap((t) => [
    `patient/${t}.rs`,
    `user/${t}.cruds`,
    `system/${t}.rs`,
    `patient/${t}.read`,
    `user/${t}.read`,
  ]);
  return [
    'openid',
    'fhirUser',
    'launch',
    'launch/patient',
    'launch/encounter',
    'offline_access',
    'online_access',
    'patient/*.rs',
    'user/*.cruds',
    'system/*.rs',
    'patient/*.read',
    'user/*.*',
    'system/*.read',
    ...perType,
  ];
}

export function smartConfiguration(issuer: string, resourceTypes: readonly string[]) {
  const e = endpoints(issuer);
  return {
    issuer,
    jwks_uri: e.jwks,
    authorization_endpoint: e.authorize,
    token_endpoint: e.token,
    introspection_endpoint: e.introspect,
    revocation_endpoint: e.revoke,
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic', 'client_secret_post', 'none'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    scopes_supported: scopesSupported(resourceTypes),
    capabilities: CAPABILITIES,
  };
}

export function openidConfiguration(issuer: string, resourceTypes: readonly string[]) {
  return {
    ...smartConfiguration(issuer, resourceTypes),
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'fhirUser', 'nonce', 'auth_time'],
  };
}

export function restSecurity(issuer: string): CapabilityStatementRestSecurity {
  const e = endpoints(issuer);
  return {
    cors: true,
    service: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
        text: 'OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)',
      },
    ],
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [
          { url: 'token', valueUri: e.token },
          { url: 'authorize', valueUri: e.authorize },
          { url: 'introspect', valueUri: e.introspect },
          { url: 'revoke', valueUri: e.revoke },
        ],
      },
    ],
    description: 'SMART App Launch 2.2 and Backend Services; discovery at .well-known/smart-configuration',
  };
}
