// The MapContext every mapping gets: identifier systems under one namespace (D3), references,
// the secrets of encrypted columns, and the hospital's time zone.
import type { MapContext, ResourceType } from '../../mappings/types.js';
import type { FieldSecrets } from '../db/field-encryption.js';

export function mapContext(identifierNamespace: string, secrets: FieldSecrets, timeZone = 'UTC'): MapContext {
  return {
    timeZone,
    identifierSystem: (kind) => `${identifierNamespace}/${kind}`,
    ref: (type: ResourceType, id: string) => ({ reference: `${type}/${id}` }),
    secrets,
  };
}
