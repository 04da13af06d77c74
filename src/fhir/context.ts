// The MapContext every mapping gets: identifier systems under one namespace (D3), references,
// the secrets of encrypted columns, the hospital's time zone and its lab code system.
import type { MapContext, ResourceType } from '../../mappings/types.js';
import type { FieldSecrets } from '../db/field-encryption.js';

export function mapContext(
  identifierNamespace: string,
  secrets: FieldSecrets,
  timeZone = 'UTC',
  labCodeSystem = 'http://loinc.org',
): MapContext {
  return {
    timeZone,
    labCodeSystem,
    identifierSystem: (kind) => `${identifierNamespace}/${kind}`,
    ref: (type: ResourceType, id: string) => ({ reference: `${type}/${id}` }),
    secrets,
  };
}
