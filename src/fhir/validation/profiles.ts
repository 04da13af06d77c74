// The server's conformance resources in profiles/ (StructureDefinitions, ValueSets; D4), read once at
// startup (http://hl7.org/fhir/R4/profiling.html). Other JSON there (SearchParameters) is for other modules.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StructureDefinition, ValueSet } from 'fhir/r4.js';

/** profiles/ at the repository root: from src/fhir/validation under tsx, or dist/src/fhir/validation compiled. */
const CANDIDATES = ['../../../profiles/', '../../../../profiles/'];

export interface ProfileFiles {
  structureDefinitions: StructureDefinition[];
  valueSets: ValueSet[];
  /** file name → parsed JSON, for checking each against the R4 schema. */
  files: Map<string, unknown>;
}

export function profilesDirectory(): string {
  for (const candidate of CANDIDATES) {
    const directory = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(directory)) return directory;
  }
  throw new Error(`profiles/ not found (looked in ${CANDIDATES.join(' and ')} from ${import.meta.url})`);
}

export async function loadProfileFiles(directory = profilesDirectory()): Promise<ProfileFiles> {
  const names = (await readdir(directory)).filter((name) => name.endsWith('.json')).sort();
  const loaded: ProfileFiles = { structureDefinitions: [], valueSets: [], files: new Map() };
  for (const name of names) {
    let json: { resourceType?: unknown };
    try {
      json = JSON.parse(await readFile(join(directory, name), 'utf8')) as { resourceType?: unknown };
    } catch (error) {
      throw new Error(`profiles/${name} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    loaded.files.set(name, json);
    if (json.resourceType === 'StructureDefinition') loaded.structureDefinitions.push(json as StructureDefinition);
    if (json.resourceType === 'ValueSet') loaded.valueSets.push(json as ValueSet);
  }
  return loaded;
}
