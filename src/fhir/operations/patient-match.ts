// Patient/$match (http://hl7.org/fhir/R4/patient-operation-match.html): candidates come from
// SQL blocks (identifier, email, phone, family + birth date, given + family), built from the
// mapping's own search parameters; each is scored on its rendering and graded with the
// match-grade extension (http://hl7.org/fhir/R4/extension-match-grade.html).
import type { Bundle, Parameters, Patient } from 'fhir/r4.js';
import { foldText } from '../../../mappings/param-values.js';
import { parseValues, type ParsedParam } from '../../search/parse.js';
import { FhirError } from '../outcome.js';
import type { FhirResponse, InteractionContext } from '../request.js';

export const MATCH_OPERATION = 'http://hl7.org/fhir/OperationDefinition/Patient-match';
const MATCH_GRADE = 'http://hl7.org/fhir/StructureDefinition/match-grade';
const MAX_CANDIDATES = 200;
const DEFAULT_COUNT = 10;

type Grade = 'certain' | 'probable' | 'possible' | 'certainly-not';

const param = (key: string, value: string): ParsedParam => ({
  key,
  values: parseValues(value.replace(/[\\,|$]/g, '\\$&')),
});
const tokenParam = (key: string, system: string, value: string): ParsedParam => ({
  key,
  values: [{ raw: `${system}|${value}`, system, code: value }],
});

function blocksOf(patient: Patient): ParsedParam[][] {
  const blocks: ParsedParam[][] = [];
  for (const identifier of patient.identifier ?? [])
    if (identifier.system && identifier.value)
      blocks.push([tokenParam('identifier', identifier.system, identifier.value)]);
  for (const telecom of patient.telecom ?? [])
    if (telecom.value && (telecom.system === 'email' || telecom.system === 'phone'))
      blocks.push([{ key: telecom.system, values: [{ raw: telecom.value, code: telecom.value }] }]);
  for (const name of patient.name ?? []) {
    const given = name.given?.[0];
    if (name.family && patient.birthDate)
      blocks.push([param('family', name.family), param('birthdate', patient.birthDate)]);
    if (name.family && given) blocks.push([param('family', name.family), param('given', given)]);
  }
  return blocks;
}

const same = (a: string | undefined, b: string | undefined) => !!a && !!b && foldText(a) === foldText(b);
const starts = (a: string | undefined, b: string | undefined) =>
  !!a && !!b && a.length >= 3 && b.length >= 3 && foldText(a).slice(0, 3) === foldText(b).slice(0, 3);

/** The score of a candidate: 1 for a shared identifier; otherwise weighted demographics. */
export function score(input: Patient, candidate: Patient): { score: number; grade: Grade } {
  const ids = new Set((candidate.identifier ?? []).map((i) => `${i.system}|${i.value}`));
  if ((input.identifier ?? []).some((i) => i.system && i.value && ids.has(`${i.system}|${i.value}`)))
    return { score: 1, grade: 'certain' };
  const a = input.name?.[0];
  const b = candidate.name?.[0];
  let total = 0;
  if (same(a?.family, b?.family)) total += 0.3;
  else if (starts(a?.family, b?.family)) total += 0.1;
  if (same(a?.given?.[0], b?.given?.[0])) total += 0.2;
  else if (starts(a?.given?.[0], b?.given?.[0])) total += 0.1;
  if (input.birthDate && input.birthDate === candidate.birthDate) total += 0.25;
  if (input.gender && input.gender === candidate.gender) total += 0.05;
  const telecoms = new Set((candidate.telecom ?? []).map((t) => `${t.system}|${t.value?.toLowerCase()}`));
  if ((input.telecom ?? []).some((t) => telecoms.has(`${t.system}|${t.value?.toLowerCase()}`))) total += 0.2;
  const rounded = Math.round(Math.min(total, 1) * 100) / 100;
  const grade: Grade = rounded >= 0.9 ? 'probable' : rounded >= 0.5 ? 'possible' : 'certainly-not';
  return { score: rounded, grade };
}

function inputOf(body: unknown): { patient: Patient; onlyCertain: boolean; count: number } {
  const parameters = body as Parameters | undefined;
  if (parameters?.resourceType !== 'Parameters') throw FhirError.invalid('$match takes a Parameters resource');
  const part = (name: string) => parameters.parameter?.find((p) => p.name === name);
  const patient = part('resource')?.resource as Patient | undefined;
  if (patient?.resourceType !== 'Patient') throw FhirError.invalid('$match needs a Patient in the resource parameter');
  const count = part('count')?.valueInteger ?? DEFAULT_COUNT;
  if (!Number.isInteger(count) || count < 1) throw FhirError.invalid('$match count must be a positive integer');
  return { patient, onlyCertain: part('onlyCertainMatches')?.valueBoolean === true, count: Math.min(count, 100) };
}

export async function patientMatch(ctx: InteractionContext): Promise<FhirResponse> {
  const { mapping, request, repository, search } = ctx;
  const { patient, onlyCertain, count } = inputOf(request.body);
  const blocks = blocksOf(patient);
  if (!blocks.length)
    throw FhirError.invalid(
      '$match needs an identifier, an email, a phone, or a family name with a given name or birth date',
    );
  const rows = await search.candidates(repository.reader, mapping, blocks, MAX_CANDIDATES, {
    strict: false,
    baseUrl: request.baseUrl,
    access: request.access,
  });
  const scored = (await repository.materialiseRows(mapping, rows))
    .filter((v) => v.body)
    .map((v) => ({ resource: JSON.parse(v.body!) as Patient, ...score(patient, JSON.parse(v.body!) as Patient) }))
    .filter((m) => m.grade !== 'certainly-not' && (!onlyCertain || m.grade === 'certain'))
    .sort((x, y) => y.score - x.score)
    .slice(0, count);
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    total: scored.length,
    entry: scored.map((m) => ({
      fullUrl: `${request.baseUrl}/Patient/${m.resource.id}`,
      resource: m.resource,
      search: { mode: 'match', score: m.score, extension: [{ url: MATCH_GRADE, valueCode: m.grade }] },
    })),
  };
  return { status: 200, json: bundle };
}
