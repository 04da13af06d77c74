// Writes of resources that are part of an existing row (D3): an entry of a TEXT[] column
// (source.textEntries: AllergyIntolerance in patients.allergies) or a group of its columns
// (source.partOfRow: Coverage and the vital signs on patients). Both change the row with one UPDATE in the write's
// transaction; the triggers make the versions.
import type { ResourceMapping, Snapshot, WritePlan } from '../../mappings/types.js';
import type { SqlSession } from '../db/sql-session.js';
import { FhirError } from './outcome.js';
import { ident, updateStatement } from './row-statements.js';

type ShapeCheck = (table: string, values: Record<string, unknown>) => void;

async function updateRow(
  sql: SqlSession,
  mapping: ResourceMapping,
  rowId: string,
  root: Record<string, unknown>,
  checkShapes: ShapeCheck,
): Promise<void> {
  checkShapes(mapping.source.table, root);
  const statement = updateStatement({ table: mapping.source.table, columns: Object.keys(root) });
  await sql.query(statement.text, statement.values({ type: mapping.resourceType, id: rowId, root }), statement.name);
}

async function lockItems(sql: SqlSession, mapping: ResourceMapping, rowId: string): Promise<string[] | undefined> {
  const column = mapping.source.textEntries!.column;
  const [row] = await sql.query<{ items: string[] | null }>(
    `select ${ident(column)} as items from ${ident(mapping.source.table)} where id = $1 for update`,
    [rowId],
  );
  return row ? (row.items ?? []) : undefined;
}

const factId = async (sql: SqlSession, kind: string, rowId: string, text: string) =>
  (
    await sql.query<{ id: string }>(
      'select id from fhir_patient_facts where patient_id = $1 and kind = $2 and entry = $3',
      [rowId, kind, text],
    )
  )[0]?.id;

/**
 * An entry of a TEXT[] column: on update its text is replaced in place (renamed in
 * fhir_patient_facts first, so the id stays); on create it is appended to `plan.addTo`'s row.
 * The same text twice in one row would be one resource: refused with 409.
 */
export async function writeTextEntry(
  sql: SqlSession,
  mapping: ResourceMapping,
  plan: WritePlan,
  existing: Snapshot | undefined,
  id: string,
  checkShapes: ShapeCheck,
): Promise<string> {
  const { column } = mapping.source.textEntries!;
  const text = String(plan.entry?.text);
  const rowId = existing ? String(existing[mapping.source.table]?.id) : plan.addTo!.rowId;
  const items = await lockItems(sql, mapping, rowId);
  if (!items) throw FhirError.notFound(`the row of ${mapping.resourceType}/${id} is gone`);
  const old = existing ? String(existing.entry?.text) : undefined;
  const holder = await factId(sql, column, rowId, text);
  if (items.includes(text) && text !== old)
    throw FhirError.conflict(
      `the patient already has the entry "${text}"${holder ? ` (${mapping.resourceType}/${holder})` : ''}`,
    );
  if (existing && text !== old) {
    // a removed entry that had this text gives it up: the text now names this resource
    if (holder) await sql.query('delete from fhir_patient_facts where id = $1', [holder]);
    await sql.query('update fhir_patient_facts set entry = $1 where id = $2', [text, id]);
  }
  const at = old === undefined ? -1 : items.indexOf(old);
  const next = at >= 0 ? items.map((item, i) => (i === at ? text : item)) : [...items, text];
  await updateRow(sql, mapping, rowId, { ...plan.root, [column]: next }, checkShapes);
  if (existing) return id;
  return (await factId(sql, column, rowId, text))!;
}

/** Delete of a TEXT[] entry: removed from its row's array (other entries keep their ids). */
export async function deleteTextEntry(
  sql: SqlSession,
  mapping: ResourceMapping,
  existing: Snapshot,
  checkShapes: ShapeCheck,
): Promise<void> {
  const { column } = mapping.source.textEntries!;
  const rowId = String(existing[mapping.source.table]?.id);
  const items = (await lockItems(sql, mapping, rowId)) ?? [];
  const text = String(existing.entry?.text);
  const at = items.indexOf(text);
  if (at < 0) return;
  await updateRow(sql, mapping, rowId, { [column]: items.filter((_, i) => i !== at) }, checkShapes);
}

/**
 * Columns of an existing row: the resource id is the row's (Coverage), or the plan's `addTo.id`
 * (a vital sign of patients); a create over a live resource is a conflict.
 */
export async function writePartOfRow(
  sql: SqlSession,
  mapping: ResourceMapping,
  plan: WritePlan,
  existing: Snapshot | undefined,
  id: string,
  checkShapes: ShapeCheck,
): Promise<string> {
  const rowId = existing ? String(existing[mapping.source.table]?.id ?? id) : plan.addTo!.rowId;
  const resourceId = existing ? id : (plan.addTo!.id ?? rowId);
  const [row] = await sql.query(`select 1 from ${ident(mapping.source.table)} where id = $1 for update`, [rowId]);
  if (!row) throw FhirError.notFound(`the row of ${mapping.resourceType}/${resourceId} is not known`);
  if (!existing) {
    const [head] = await sql.query<{ deleted: boolean }>(
      'select deleted from fhir_resources where resource_type = $1 and id = $2',
      [mapping.resourceType, resourceId],
    );
    if (head && !head.deleted)
      throw FhirError.conflict(`${mapping.resourceType}/${resourceId} already exists: update it with PUT`);
  }
  await updateRow(sql, mapping, rowId, plan.root, checkShapes);
  return resourceId;
}

/** Hard delete of a row without a deleted marker. */
export async function deleteRow(sql: SqlSession, mapping: ResourceMapping, id: string): Promise<void> {
  await sql.query(`delete from ${ident(mapping.source.table)} where id = $1`, [id]);
}
