// The MapContext every mapping gets: identifier systems under one namespace (D3), references,
// and the secrets of encrypted columns.
import type { MapContext, ResourceType } from '../../mappings/types.js';
import type { FieldSecrets } from '../db/field-encryption.js';

export function mapContext(identifierNamespace: string, secrets: FieldSecrets): MapContext {
  return {
    identifierSystem: (kind) => `${identifierNamespace}/${kind}`,
    ref: (type: ResourceType, id: string) => ({ reference: `${type}/${id}` }),
    secrets,
  };
}
