// A version's resource as JSON text (D13): the mapping's rendering of its rows, the kept overflow
// merged back (D4), id and meta first.
import type { FhirResource } from 'fhir/r4.js';
import { sourceFor, type MapContext, type ResourceMapping, type Snapshot } from '../../mappings/types.js';
import { mergeOverflow } from './overflow.js';

export interface VersionMeta {
  id: string;
  versionId: number;
  lastUpdated: Date;
}

export function renderResource(
  mapping: ResourceMapping,
  snapshot: Snapshot,
  meta: VersionMeta,
  ctx: MapContext,
): FhirResource {
  const source = sourceFor(mapping, snapshot);
  const columns = source.read(snapshot, ctx);
  const { resourceType, ...body } = mergeOverflow(columns, snapshot.overflow, source.slots) as Record<string, unknown>;
  return {
    resourceType,
    id: meta.id,
    meta: {
      versionId: String(meta.versionId),
      lastUpdated: meta.lastUpdated.toISOString(),
      profile: [source.profile],
    },
    ...body,
  } as FhirResource;
}
