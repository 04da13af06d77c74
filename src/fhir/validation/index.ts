// Resource validation (http://hl7.org/fhir/R4/validation.html): the base R4 rules of the JSON schema
// first, then the rules of one of the server's profiles (profiles/), every problem reported at once.
import { canonicalUrl, ValueSetCodes } from './binding.js';
import { extensionIssues } from './extension-rules.js';
import { isObject, type ValidationIssue } from './issue.js';
import { compileProfile, type CompiledProfile } from './profile-rules.js';
import { loadProfileFiles } from './profiles.js';
import { compileR4Schema, type R4Schema } from './r4-schema.js';

export type { ValidationIssue } from './issue.js';

interface Prepared {
  schema: R4Schema;
  /** Resource profiles by canonical URL. */
  profiles: ReadonlyMap<string, CompiledProfile>;
  /** Extension definitions by canonical URL, applied along with any profile. */
  extensions: ReadonlyMap<string, CompiledProfile>;
}

let prepared: Prepared | undefined;
let preparing: Promise<void> | undefined;

/** Loads the R4 JSON schema and the StructureDefinitions/ValueSets in profiles/ once; call at startup (it takes a few seconds). Idempotent. */
export function prepareValidation(): Promise<void> {
  preparing ??= prepare().catch((error: unknown) => {
    preparing = undefined;
    throw error;
  });
  return preparing;
}

async function prepare(): Promise<void> {
  const files = await loadProfileFiles();
  const schema = compileR4Schema();
  for (const [name, json] of files.files) {
    const problems = schema.validate(json);
    if (problems.length > 0) {
      throw new Error(`profiles/${name} is not valid FHIR R4: ${problems.map((p) => p.diagnostics).join('; ')}`);
    }
  }
  const valueSets = new Map<string, ValueSetCodes>();
  for (const valueSet of files.valueSets) {
    const codes = new ValueSetCodes(valueSet);
    if (valueSets.has(codes.url)) throw new Error(`profiles/ has two ValueSets ${codes.url}`);
    valueSets.set(codes.url, codes);
  }
  const profiles = new Map<string, CompiledProfile>();
  const extensions = new Map<string, CompiledProfile>();
  for (const definition of files.structureDefinitions) {
    const compiled = compileProfile(definition, valueSets);
    const target = compiled.kind === 'resource' ? profiles : compiled.type === 'Extension' ? extensions : undefined;
    if (!target) throw new Error(`${compiled.url}: only resource profiles and extensions are supported`);
    if (profiles.has(compiled.url) || extensions.has(compiled.url)) {
      throw new Error(`profiles/ has two StructureDefinitions ${compiled.url}`);
    }
    target.set(compiled.url, compiled);
  }
  prepared = { schema, profiles, extensions };
}

function state(): Prepared {
  if (!prepared) throw new Error('Validation is not prepared: await prepareValidation() at startup first');
  return prepared;
}

/** ALL problems of one resource at once (never stops at the first). Base R4 rules first (JSON schema: types, unknown elements, enums, formats of dates), then — if `profile` is given and known — the profile's rules. Unknown profile URL → one issue (code 'not-supported'). */
export function validateResource(resource: unknown, options: { profile?: string } = {}): ValidationIssue[] {
  const { schema, profiles, extensions } = state();
  const base = schema.validate(resource);
  if (options.profile === undefined) return base;
  const profile = profiles.get(canonicalUrl(options.profile));
  if (!profile) {
    const known = [...profiles.keys()].join(', ');
    const diagnostics = `Unknown profile '${options.profile}': this server validates against ${known}`;
    return [...base, { severity: 'error', code: 'not-supported', diagnostics, expression: [] }];
  }
  if (!isObject(resource) || resource.resourceType !== profile.type) {
    const found =
      isObject(resource) && typeof resource.resourceType === 'string' ? `a ${resource.resourceType}` : 'not a resource';
    const diagnostics = `The profile ${profile.url} constrains ${profile.type}, but this is ${found}`;
    return [...base, { severity: 'error', code: 'invalid', diagnostics, expression: [] }];
  }
  // A problem the schema already located is not repeated (gender 'girl' breaks the enum and the binding),
  // and an invariant that cannot run on malformed JSON is left to the schema's issue.
  const located = new Set(base.flatMap((issue) => issue.expression));
  const own = [
    ...profile.validate(resource, profile.type),
    ...extensionIssues(resource, profile.type, extensions),
  ].filter(
    (issue) => !issue.expression.some((at) => located.has(at)) && !(base.length > 0 && issue.code === 'processing'),
  );
  return [...base, ...own];
}

/** Canonical URLs of the profiles loaded from profiles/. */
export function knownProfiles(): string[] {
  return [...state().profiles.keys()].sort();
}
