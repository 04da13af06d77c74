// Observation (laboratory) → one entry of lab_tests.testResults. A new result joins the lab test
// of its order (basedOn the ServiceRequest, found by `resultLookups`), which must be the same patient's.
import type { Observation, Quantity } from 'fhir/r4.js';
import type { LabTestResult } from '../../src/db/jsonb/shapes.js';
import { jsonbProblems } from '../../src/db/jsonb/validate.js';
import type { JsonRow, MapContext, Snapshot, SqlCondition, WritePlan, WriteProblem } from '../types.js';
import { parseReference } from './clinical-search.js';
import { codeOf, INTERPRETATION, RESULT_FLAGS, RESULT_STATUSES, type ResultFlag } from './lab-codes.js';
import { isUcumUnit, UCUM } from './ucum.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The order (ServiceRequest) a result is basedOn: the lab_tests row it joins. */
export function orderOf(resource: { basedOn?: { reference?: string }[] }): string | undefined {
  for (const based of resource.basedOn ?? []) {
    const parsed = based.reference ? parseReference(based.reference) : undefined;
    if (parsed?.type === 'ServiceRequest' && UUID.test(parsed.id)) return parsed.id;
  }
  return undefined;
}

export const ORDER_LOOKUP = `select id, "patientId", status from lab_tests where id = ?::uuid and "deletedAt" is null`;

export function resultLookups(resource: Observation): Record<string, SqlCondition> {
  const order = orderOf(resource);
  return order ? { order: { sql: ORDER_LOOKUP, params: [order] } } : {};
}

/** A UCUM quantity's unit (its code), or a problem naming the element. */
function ucumUnit(quantity: Quantity, expression: string, problems: WriteProblem[]): string | undefined {
  const unit = quantity.code ?? undefined;
  if (quantity.system !== UCUM || !unit || !isUcumUnit(unit)) {
    problems.push({
      expression,
      diagnostics: `${expression} needs a valid UCUM unit: system ${UCUM} and a code such as mg/dL (got ${
        quantity.system ?? 'no system'
      } ${quantity.code ?? quantity.unit ?? 'and no code'})`,
    });
    return undefined;
  }
  return unit === '1' ? undefined : unit;
}

function valueOf(resource: Observation, problems: WriteProblem[]) {
  if (resource.valueQuantity) {
    const q = resource.valueQuantity;
    if (typeof q.value !== 'number')
      problems.push({ expression: 'Observation.valueQuantity.value', diagnostics: 'a quantity needs a value' });
    if (q.comparator)
      problems.push({
        expression: 'Observation.valueQuantity.comparator',
        diagnostics: 'testResults values hold no comparator: send the value as valueString (e.g. "<5")',
      });
    const unit = ucumUnit(q, 'Observation.valueQuantity', problems);
    return { value: q.value ?? 0, ...(unit ? { unit } : {}) };
  }
  if (typeof resource.valueString === 'string') return { value: resource.valueString };
  const other = Object.keys(resource).find((k) => k.startsWith('value'));
  problems.push({
    expression: other ? `Observation.${other}` : 'Observation.value[x]',
    diagnostics: other
      ? `${other} has no place in testResults: send valueQuantity (UCUM) or valueString`
      : 'a lab result needs a value (valueQuantity or valueString): testResults entries hold one',
  });
  return undefined;
}

function rangeOf(resource: Observation, unit: string | undefined, problems: WriteProblem[]) {
  const range = resource.referenceRange?.[0];
  if (!range) return undefined;
  const bound = (q: Quantity | undefined, name: 'low' | 'high') => {
    if (!q) return undefined;
    const at = `Observation.referenceRange[0].${name}`;
    if (typeof q.value !== 'number') problems.push({ expression: at, diagnostics: `${name} needs a value` });
    if (q.code !== undefined || q.system !== undefined) {
      const own = ucumUnit(q, at, problems);
      if (own !== unit)
        problems.push({ expression: at, diagnostics: `${name} must be in the unit of the value (${unit ?? '1'})` });
    }
    return q.value;
  };
  const low = bound(range.low, 'low');
  const high = bound(range.high, 'high');
  return {
    ...(low !== undefined ? { low } : {}),
    ...(high !== undefined ? { high } : {}),
    ...(range.text ? { text: range.text } : {}),
  };
}

function flagOf(resource: Observation, problems: WriteProblem[]): ResultFlag | undefined {
  const concepts = resource.interpretation ?? [];
  if (!concepts.length) return undefined;
  const codes = concepts.flatMap((c) => c.coding ?? []).filter((c) => c.system === INTERPRETATION);
  const flag = codes.find((c) => (RESULT_FLAGS as readonly string[]).includes(c.code ?? ''))?.code;
  if (!flag)
    problems.push({
      expression: 'Observation.interpretation',
      diagnostics: `the interpretation needs a ${INTERPRETATION} code testResults holds (${RESULT_FLAGS.join(', ')})`,
    });
  return flag as ResultFlag | undefined;
}

export function resultPlan(
  resource: Observation,
  ctx: MapContext,
  existing: Snapshot | undefined,
  found: Readonly<Record<string, JsonRow[]>> = {},
): WritePlan {
  const problems: WriteProblem[] = [];
  const references: NonNullable<WritePlan['references']> = [];
  const row = (existing?.lab_tests as JsonRow | undefined) ?? found.order?.[0];
  const subject = resource.subject?.reference ? parseReference(resource.subject.reference) : undefined;
  if (!subject || (subject.type !== undefined && subject.type !== 'Patient'))
    problems.push({ expression: 'Observation.subject', diagnostics: 'the subject must be a Patient' });
  else references.push({ expression: 'Observation.subject', type: 'Patient', id: subject.id });
  const order = orderOf(resource);
  if (existing && !existing.entry)
    problems.push({ expression: 'Observation', diagnostics: 'the result was removed from its lab test' });
  if (!existing && !order)
    problems.push({
      expression: 'Observation.basedOn',
      diagnostics: 'a lab result joins its lab test: basedOn the ServiceRequest of the order',
    });
  else if (!existing && !row)
    problems.push({
      expression: 'Observation.basedOn',
      diagnostics: `ServiceRequest/${order} is not a lab order of this server`,
    });
  else if (existing && order && order !== String(row?.id))
    problems.push({ expression: 'Observation.basedOn', diagnostics: 'a result cannot move to another lab test' });
  if (row && subject && String(row.patientId) !== subject.id)
    problems.push({
      expression: 'Observation.subject',
      diagnostics: `the lab test ServiceRequest/${String(row.id)} is of another patient than ${resource.subject?.reference}`,
    });
  const category = (resource.category ?? []).flatMap((c) => c.coding ?? []);
  if (category.length && !category.some((c) => c.code === 'laboratory'))
    problems.push({ expression: 'Observation.category', diagnostics: 'lab results are of the category laboratory' });
  const status = resource.status as (typeof RESULT_STATUSES)[number];
  if (!(RESULT_STATUSES as readonly string[]).includes(status))
    problems.push({
      expression: 'Observation.status',
      diagnostics: `the status ${resource.status} has no testResults value (${RESULT_STATUSES.join(', ')})`,
    });
  const { code, system, name } = codeOf(resource.code, ctx);
  if (!name && !code)
    problems.push({ expression: 'Observation.code', diagnostics: 'the analyte needs a name (code.text or a display)' });
  const value = valueOf(resource, problems);
  const range = rangeOf(resource, value && 'unit' in value ? value.unit : undefined, problems);
  const flag = flagOf(resource, problems);
  const observedAt = resource.effectiveDateTime ?? resource.effectiveInstant;
  if (observedAt !== undefined && !/T.*(Z|[+-]\d{2}:\d{2})$/.test(observedAt))
    problems.push({ expression: 'Observation.effective[x]', diagnostics: 'effective needs a time with a time zone' });
  if (resource.effectivePeriod || resource.effectiveTiming)
    problems.push({
      expression: 'Observation.effective[x]',
      diagnostics: 'testResults hold one time (effectiveDateTime)',
    });
  const entry: Omit<LabTestResult, 'id'> = {
    ...(code ? { code } : {}),
    ...(system ? { codeSystem: system } : {}),
    name: name ?? code ?? '',
    ...(value ?? { value: '' }),
    ...(range && Object.keys(range).length ? { referenceRange: range } : {}),
    ...(flag ? { flag } : {}),
    ...(RESULT_STATUSES.includes(status) ? { status } : {}),
    ...(observedAt && problems.length === 0 ? { observedAt } : {}),
    ...(resource.note?.[0]?.text ? { note: resource.note[0].text } : {}),
  };
  if (problems.length === 0)
    for (const problem of jsonbProblems('testResults', [{ ...entry, id: 'r1' }]))
      problems.push({ expression: 'Observation', diagnostics: `the result entry ${problem}` });
  return {
    root: {},
    entry,
    ...(!existing && row ? { addTo: { rowId: String(row.id) } } : {}),
    problems,
    references,
  };
}
