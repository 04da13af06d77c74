// Mapping-driven storage of resources (D3 to D5, D13): reads stream the stored rendering; a write
// is one transaction of a few prepared statements (the rows by fhir_create_rows/fhir_update_rows,
// then the rendering and overflow); the triggers make the versions.
import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FhirResource } from 'fhir/r4.js';
import {
  sourceFor,
  type JsonRow,
  type MapContext,
  type ResourceMapping,
  type Snapshot,
  type WritePlan,
} from '../../mappings/types.js';
import { assertColumnShapes } from '../db/jsonb/column-shapes.js';
import { JsonbShapeError } from '../db/jsonb/validate.js';
import { numbered } from '../db/raw-query.js';
import { bindSession, inTransaction, isBound, preparedQuery, withSession, type SqlSession } from '../db/sql-session.js';
import { FhirError } from './outcome.js';
import { splitOverflow } from './overflow.js';
import { rowOfId } from './row-of-id.js';
import { renderResource } from './rendering.js';
import { deleteRow, deleteTextEntry, writePartOfRow, writeTextEntry } from './row-parts.js';
import { ident, insertStatement, updateStatement } from './row-statements.js';

export interface StoredVersion {
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  /** The resource as JSON text; absent for a deleted version. */
  body?: string;
}

/** A row of fhir_resource_versions as the reads select it (the snapshot only when not yet rendered). */
export interface VersionRow {
  id: string;
  version_id: number;
  last_updated: Date | string;
  deleted: boolean;
  rendered: string | null;
  snapshot: Snapshot | string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (id: string) => UUID.test(id);

const VERSION_COLUMNS = `v.id, v.version_id, v.last_updated, v.deleted, v.rendered,
  case when v.rendered is null then v.snapshot end as snapshot`;

/** The one version of a row of an append-only source (ResourceMapping.source.appendOnly). */
export function appendOnlyColumns(mapping: ResourceMapping): string {
  const { id, appendOnly } = mapping.source;
  return `${id} as id, 1 as version_id, (${appendOnly!.lastUpdated} at time zone 'UTC') as last_updated,
    false as deleted, null::text as rendered, ${appendOnly!.snapshot ?? `fhir_snapshot('${mapping.resourceType}', ${id})`} as snapshot`;
}

const CURRENT_SQL = `select ${VERSION_COLUMNS} from fhir_resources h
  join fhir_resource_versions v on v.resource_type = h.resource_type and v.id = h.id and v.version_id = h.version_id
  where h.resource_type = $1 and h.id = $2`;

export class Repository {
  private forked: EntityManager | undefined;
  /** Runs in a write's transaction once its rows are written (access checks); throwing rolls it back. */
  afterWrite?: (sql: SqlSession, mapping: ResourceMapping, id: string, created: boolean) => Promise<void>;

  /** `root` is the ORM's global EntityManager: reads use its pool; a fork is made only for work that needs one. */
  constructor(
    private readonly root: EntityManager,
    private readonly ctx: MapContext,
  ) {}

  private get em(): EntityManager {
    if (isBound(this.root)) return this.root;
    return (this.forked ??= this.root.fork());
  }

  /**
   * `work` with a repository whose every read and write runs in one transaction (a Bundle
   * transaction): committed when it returns, rolled back when it throws.
   */
  inOneTransaction<T>(work: (repository: Repository) => Promise<T>): Promise<T> {
    return this.transaction((sql) => work(new Repository(bindSession(this.root, sql), this.ctx)));
  }

  /**
   * `work` in one transaction holding the resource type's conditional-create lock, so the search of
   * an If-None-Exist and the create it decides are one step: a racing conditional create waits,
   * then finds the row the first one made (http.html#ccreate). Inside a Bundle transaction it joins
   * that transaction.
   */
  conditionalCreate<T>(mapping: ResourceMapping, work: (repository: Repository) => Promise<T>): Promise<T> {
    return this.transaction(async (sql) => {
      await sql.query(
        'select pg_advisory_xact_lock(hashtext($1))',
        [`fhir-conditional-create:${mapping.resourceType}`],
        'fhir_conditional_create_lock',
      );
      const repository = new Repository(bindSession(this.root, sql), this.ctx);
      repository.afterWrite = this.afterWrite;
      return work(repository);
    });
  }

  get entityManager(): EntityManager {
    return this.em;
  }

  /** The ORM's global EntityManager, for reads that hydrate nothing (search's SQL): no fork. */
  get reader(): EntityManager {
    return this.root;
  }

  /** `sql` is the transaction's when there is one; a first read's rendering is stored beside the version. */
  private async materialise(mapping: ResourceMapping, row: VersionRow, sql?: SqlSession): Promise<StoredVersion> {
    const version: StoredVersion = {
      resourceType: mapping.resourceType,
      id: row.id,
      versionId: row.version_id,
      lastUpdated: new Date(row.last_updated),
      deleted: row.deleted,
    };
    if (row.deleted) return version;
    if (row.rendered !== null) return { ...version, body: row.rendered };
    const snapshot = (typeof row.snapshot === 'string' ? JSON.parse(row.snapshot) : row.snapshot) as Snapshot | null;
    if (!snapshot) return { ...version, deleted: true };
    const body = JSON.stringify(renderResource(mapping, snapshot, version, this.ctx));
    if (mapping.source.appendOnly) return { ...version, body };
    const store = (session: SqlSession) =>
      session.query(
        'update fhir_resource_versions set rendered = $1 where resource_type = $2 and id = $3 and version_id = $4 and rendered is null',
        [body, mapping.resourceType, row.id, row.version_id],
        'fhir_store_first_rendering',
      );
    await (sql ? store(sql) : withSession(this.root, store));
    return { ...version, body };
  }

  /** The current version, or undefined when the resource never existed. */
  async current(mapping: ResourceMapping, id: string, sql?: SqlSession): Promise<StoredVersion | undefined> {
    if (!isUuid(id)) return undefined;
    if (mapping.source.appendOnly) return this.appendOnlyVersion(mapping, id);
    const values = [mapping.resourceType, id];
    const [row] = sql
      ? await sql.query<VersionRow>(CURRENT_SQL, values, 'fhir_read_current')
      : await preparedQuery<VersionRow>(this.root, 'fhir_read_current', CURRENT_SQL, values);
    return row ? this.materialise(mapping, row, sql) : undefined;
  }

  async version(mapping: ResourceMapping, id: string, versionId: number): Promise<StoredVersion | undefined> {
    if (!isUuid(id)) return undefined;
    if (mapping.source.appendOnly) return versionId === 1 ? this.appendOnlyVersion(mapping, id) : undefined;
    const rows = await this.em.execute<VersionRow[]>(
      `select ${VERSION_COLUMNS} from fhir_resource_versions v where v.resource_type = ? and v.id = ? and v.version_id = ?`,
      [mapping.resourceType, id, versionId],
    );
    return rows[0] ? this.materialise(mapping, rows[0]) : undefined;
  }

  private async appendOnlyVersion(mapping: ResourceMapping, id: string): Promise<StoredVersion | undefined> {
    const one = rowOfId(mapping, id, appendOnlyColumns(mapping));
    const rows = await this.root.execute<VersionRow[]>(one.sql, one.params);
    return rows[0] ? this.materialise(mapping, rows[0]) : undefined;
  }

  async materialiseRows(mapping: ResourceMapping, rows: VersionRow[]): Promise<StoredVersion[]> {
    const out: StoredVersion[] = [];
    for (const row of rows) out.push(await this.materialise(mapping, row));
    return out;
  }

  /** Creates the rows of a new resource (and with `id`, at that id: update as create). */
  create(mapping: ResourceMapping, resource: FhirResource, id: string = randomUUID()): Promise<StoredVersion> {
    return this.transaction((sql) => this.write(sql, mapping, resource, id, undefined));
  }

  /**
   * Replaces a resource in one transaction. `produce` sees the current version (locked) and
   * returns the new content, so If-Match and patches are checked against what is really there.
   */
  update(
    mapping: ResourceMapping,
    id: string,
    produce: (current: StoredVersion | undefined) => FhirResource,
  ): Promise<{ version: StoredVersion; created: boolean }> {
    return this.transaction(async (sql) => {
      const locked = await this.lockCurrent(sql, mapping, id);
      const resource = produce(locked?.current);
      const { entries, textEntries, partOfRow } = mapping.source;
      if (!locked && (entries || textEntries || partOfRow))
        throw FhirError.unprocessable([
          {
            expression: `${mapping.resourceType}.id`,
            diagnostics: `${mapping.resourceType} ids are assigned by the server: create one with POST`,
          },
        ]);
      if (!locked)
        return { version: await this.write(sql, mapping, resource, id, undefined, false, true), created: true };
      const { current, existing } = locked;
      if (!existing) throw FhirError.notFound(`${mapping.resourceType}/${id} is not known`);
      return { version: await this.write(sql, mapping, resource, id, existing, current.deleted), created: false };
    });
  }

  /** Delete: soft (D1 columns), of an entry (out of its array) or of a row without a marker; a new version records it. */
  delete(
    mapping: ResourceMapping,
    id: string,
    check: (current: StoredVersion) => void,
  ): Promise<StoredVersion | undefined> {
    return this.transaction(async (sql) => {
      const locked = await this.lockCurrent(sql, mapping, id);
      if (!locked) return undefined;
      const { current, existing } = locked;
      check(current);
      if (current.deleted || !existing) return current;
      const source = sourceFor(mapping, existing);
      if (source.readOnly) throw FhirError.unprocessable([source.readOnly]);
      if (source.source.entries) await this.removeEntry(sql, source, existing);
      else if (source.source.hardDelete) await deleteRow(sql, source, id);
      else if (source.source.textEntries) await deleteTextEntry(sql, source, existing, checkShapes);
      else await this.softDelete(sql, source, id, existing);
      return this.current(mapping, id, sql);
    });
  }

  /** The D1 deleted-marker columns set; the rows stay. Part of a row: that row's columns, by its id. */
  private async softDelete(sql: SqlSession, mapping: ResourceMapping, id: string, existing: Snapshot): Promise<void> {
    const now = new Date().toISOString();
    const stamp = (values: Record<string, unknown> | undefined) =>
      Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, v === 'now' ? now : v]));
    const { parent, partOfRow, table } = mapping.source;
    const root = stamp(mapping.softDelete.root);
    const parentValues = parent && mapping.softDelete.parent ? stamp(mapping.softDelete.parent) : undefined;
    const rowId = partOfRow ? String(existing[table]?.id ?? id) : id;
    await updateRows(sql, mapping, rowId, existing, root, parentValues, null);
  }

  /** An entry of a JSONB array (source.entries) is deleted by taking it out of its row's array. */
  private async removeEntry(sql: SqlSession, mapping: ResourceMapping, existing: Snapshot): Promise<void> {
    const { table } = mapping.source;
    const { column, key } = mapping.source.entries!;
    const rowId = String(existing[table]?.id);
    const [row] = await sql.query<{ items: JsonRow[] | string | null }>(
      `select ${ident(column)} as items from ${ident(table)} where id = $1 for update`,
      [rowId],
    );
    const items = typeof row?.items === 'string' ? (JSON.parse(row.items) as JsonRow[]) : row?.items;
    const kept = (Array.isArray(items) ? items : []).filter((item) => item[key] !== existing.entry?.[key]);
    const root = { [column]: kept };
    checkShapes(table, root);
    const statement = updateStatement({ table, columns: [column] });
    await sql.query(statement.text, statement.values({ type: mapping.resourceType, id: rowId, root }), statement.name);
  }

  private transaction<T>(work: (sql: SqlSession) => Promise<T>): Promise<T> {
    return inTransaction(this.root, work).catch((error: unknown) => {
      throw asFhirError(error);
    });
  }

  /** The current version, locked for this transaction, and the rows it is rendered from. */
  private async lockCurrent(
    sql: SqlSession,
    mapping: ResourceMapping,
    id: string,
  ): Promise<{ current: StoredVersion; existing: Snapshot | undefined } | undefined> {
    if (!isUuid(id)) return undefined;
    // The lock first, alone: a statement that waited for it sees the other writer's version only
    // in the next statement (READ COMMITTED takes a snapshot per statement).
    const values = [mapping.resourceType, id];
    const locked = await sql.query(LOCK_SQL, values, 'fhir_lock_head');
    if (locked.length === 0) return undefined;
    const [row] = await sql.query<VersionRow & { existing: Snapshot | null }>(
      LOCKED_CURRENT_SQL,
      values,
      'fhir_locked_current',
    );
    if (!row) return undefined;
    const current = await this.materialise(mapping, row, sql);
    return { current, existing: row.existing ?? undefined };
  }

  private async write(
    sql: SqlSession,
    mapping: ResourceMapping,
    resource: FhirResource,
    resourceId: string,
    existing: Snapshot | undefined,
    revive = false,
    /** The client chose the id (update as create). */
    placed = false,
  ): Promise<StoredVersion> {
    // `mapping` is the registered one (access checks, versions); `source` holds the resource's rows
    const source = sourceFor(mapping, existing, resource);
    if (source.readOnly) throw FhirError.unprocessable([source.readOnly]);
    if (!source.write) throw FhirError.methodNotAllowed(`${mapping.resourceType} is read-only`, ['GET']);
    const found: Record<string, JsonRow[]> = {};
    for (const [name, query] of Object.entries(source.lookups?.(resource as never, this.ctx) ?? {}))
      found[name] = await sql.query<JsonRow>(numbered(query.sql), query.params);
    const plan = source.write(resource as never, this.ctx, existing, found);
    let id = resourceId;
    if (plan.problems.length > 0) throw FhirError.unprocessable(plan.problems);
    await checkReferences(sql, plan);
    for (const check of source.conflicts?.(plan, id, existing) ?? []) {
      await sql.query(numbered(check.lock.sql), check.lock.params);
      const conflicting = await sql.query(numbered(check.conflict.sql), check.conflict.params);
      if (conflicting.length > 0) throw FhirError.conflict(check.diagnostics, [check.expression]);
    }
    const { table, parent, numbering } = source.source;
    const hashes = plan.hashes
      ?.filter(({ value }) => value !== undefined || existing)
      .map(({ system, value }) => ({
        system,
        hash: value === undefined ? null : this.ctx.secrets.hash(system, value),
      }));
    const type = mapping.resourceType;
    const hashText = hashes?.length ? JSON.stringify(hashes) : null;
    if (source.source.entries) {
      id = await this.writeEntry(sql, source, plan, existing);
    } else if (source.source.textEntries) {
      id = await writeTextEntry(sql, source, plan, existing, id, checkShapes);
    } else if (source.source.partOfRow) {
      id = await writePartOfRow(sql, source, plan, existing, id, checkShapes);
    } else if (!existing && plan.into) {
      // a create that fills part of an existing row: the resource is that row's (its id and versions)
      if (placed && plan.into.rowId !== id)
        throw FhirError.unprocessable([
          {
            expression: `${mapping.resourceType}.id`,
            diagnostics: `this ${mapping.resourceType} belongs to the row ${plan.into.rowId}: create it with POST, or update it there`,
          },
        ]);
      id = plan.into.rowId;
      checkShapes(table, plan.root);
      await updateRows(sql, mapping, id, {}, plan.root, undefined, hashText);
    } else if (existing) {
      const undelete = revive ? source.softDelete : undefined;
      const clear = (values: Record<string, unknown> | undefined) =>
        Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, typeof v === 'boolean' ? !v : null]));
      const root = { ...plan.root, ...clear(undelete?.root) };
      const parentValues = parent && plan.parent ? { ...plan.parent, ...clear(undelete?.parent) } : undefined;
      checkShapes(table, root);
      if (parent && parentValues) checkShapes(parent.table, parentValues);
      await updateRows(sql, mapping, id, existing, root, parentValues, hashText);
    } else {
      const defaults = source.createDefaults?.(this.ctx) ?? {};
      const root: Record<string, unknown> = { ...defaults.root, ...plan.root };
      const parentValues: Record<string, unknown> | undefined = parent
        ? { ...defaults.parent, ...plan.parent, password: `!${randomBytes(24).toString('base64url')}` }
        : undefined;
      checkShapes(table, root);
      if (parent && parentValues) checkShapes(parent.table, parentValues);
      const numbered = parent ? parentValues : root;
      const assignNumber =
        numbering && numbering.table === (parent?.table ?? table) && numbered?.[numbering.column] == null;
      const statement = insertStatement({
        table,
        columns: Object.keys(root),
        ...(parent && parentValues
          ? { parent: { table: parent.table, columns: Object.keys(parentValues), link: parent.link } }
          : {}),
        ...(assignNumber ? { numberColumn: numbering.column } : {}),
      });
      const values = { type, id, root, parent: parentValues, parentId: randomUUID(), numbering, hashes: hashText };
      for (let attempt = 0; ; attempt++) {
        // A number another application took is skipped: nothing is inserted and the next is tried.
        const inserted = await sql.query(
          statement.text,
          statement.values({ ...values, resync: attempt > 0 }),
          statement.name,
        );
        if (inserted.length > 0) break;
        if (!assignNumber || attempt >= 5) throw FhirError.conflict('could not assign a free business number; retry');
      }
    }
    for (const statement of plan.after ?? []) await sql.query(numbered(statement.sql), statement.params);
    await this.afterWrite?.(sql, mapping, id, !existing);
    const [written] = await sql.query<WrittenRow>(WRITTEN_SQL, [type, id], 'fhir_written');
    // The head cannot move again in this transaction: the triggers keep one version per transaction.
    if (!written?.version_id)
      throw new Error(`${mapping.resourceType}/${id} has no version: is its trigger installed?`);
    const stored = written.snapshot;
    if (!stored) throw new Error(`${mapping.resourceType}/${id} was written but cannot be read back`);
    const overflow = splitOverflow(resource, source.read({ ...stored, overflow: null }, this.ctx), source.slots);
    const hadOverflow = stored.overflow !== null && stored.overflow !== undefined;
    const meta = { id, versionId: written.version_id, lastUpdated: new Date(written.last_updated) };
    const body = JSON.stringify(
      renderResource(mapping, { ...stored, overflow: (overflow as never) ?? null }, meta, this.ctx),
    );
    await sql.query(
      'select fhir_store_rendering($1, $2, $3, $4, $5, $6)',
      [
        mapping.resourceType,
        id,
        written.version_id,
        overflow ? JSON.stringify(overflow) : null,
        !overflow && hadOverflow,
        body,
      ],
      'fhir_store_rendering',
    );
    return { resourceType: mapping.resourceType, ...meta, deleted: false, body };
  }

  /**
   * An entry of a JSONB array (source.entries): replaced in its row on update; on create added to
   * the row the plan names (locked first) or to a new row. Returns the entry's resource id.
   */
  private async writeEntry(
    sql: SqlSession,
    mapping: ResourceMapping,
    plan: WritePlan,
    existing: Snapshot | undefined,
  ): Promise<string> {
    const { table, numbering } = mapping.source;
    const { column, key, keyPrefix, idFunction } = mapping.source.entries!;
    const type = mapping.resourceType;
    const lockItems = async (rowId: string) => {
      const [row] = await sql.query<{ items: JsonRow[] | string | null }>(
        `select ${ident(column)} as items from ${ident(table)} where id = $1 for update`,
        [rowId],
      );
      const items = typeof row?.items === 'string' ? (JSON.parse(row.items) as JsonRow[]) : row?.items;
      return Array.isArray(items) ? items : [];
    };
    const update = async (rowId: string, root: Record<string, unknown>) => {
      checkShapes(table, root);
      const statement = updateStatement({ table, columns: Object.keys(root) });
      await sql.query(statement.text, statement.values({ type, id: rowId, root }), statement.name);
    };
    let rowId: string;
    let entryKey: string;
    if (existing) {
      rowId = String(existing[table]?.id);
      entryKey = String(existing.entry?.[key]);
      const items = (await lockItems(rowId)).map((item) =>
        item[key] === entryKey ? { ...plan.entry, [key]: entryKey } : item,
      );
      await update(rowId, { ...plan.root, [column]: items });
    } else if (plan.addTo) {
      rowId = plan.addTo.rowId;
      const items = await lockItems(rowId);
      const taken = new Set(items.map((item) => String(item[key])));
      let n = items.length + 1;
      while (taken.has(`${keyPrefix}${n}`)) n++;
      entryKey = `${keyPrefix}${n}`;
      await update(rowId, { [column]: [...items, { ...plan.entry, [key]: entryKey }] });
    } else {
      rowId = randomUUID();
      entryKey = `${keyPrefix}1`;
      const defaults = mapping.createDefaults?.(this.ctx) ?? {};
      const root: Record<string, unknown> = {
        ...defaults.root,
        ...plan.root,
        [column]: [{ ...plan.entry, [key]: entryKey }],
      };
      checkShapes(table, root);
      const assignNumber = numbering && numbering.table === table && root[numbering.column] == null;
      const statement = insertStatement({
        table,
        columns: Object.keys(root),
        ...(assignNumber ? { numberColumn: numbering.column } : {}),
      });
      for (let attempt = 0; ; attempt++) {
        const values = statement.values({ type, id: rowId, root, numbering, resync: attempt > 0 });
        if ((await sql.query(statement.text, values, statement.name)).length > 0) break;
        if (!assignNumber || attempt >= 5) throw FhirError.conflict('could not assign a free business number; retry');
      }
    }
    const [row] = await sql.query<{ id: string }>(`select ${ident(idFunction)}($1::uuid, $2) as id`, [rowId, entryKey]);
    return row!.id;
  }
}

/** The root (and parent) columns of an existing resource, and its hashes, in one statement. */
async function updateRows(
  sql: SqlSession,
  mapping: ResourceMapping,
  id: string,
  existing: Snapshot,
  root: Record<string, unknown>,
  parentValues: Record<string, unknown> | undefined,
  hashes: string | null,
): Promise<void> {
  const { table, parent } = mapping.source;
  const statement = updateStatement({
    table,
    columns: Object.keys(root),
    ...(parent && parentValues ? { parent: { table: parent.table, columns: Object.keys(parentValues) } } : {}),
  });
  const parentId = parent ? (existing[table]?.[parent.link] as string | undefined) : undefined;
  const values = { type: mapping.resourceType, id, root, parent: parentValues, parentId, hashes };
  await sql.query(statement.text, statement.values(values), statement.name);
}

/** Every resource the plan points at exists and is not deleted (422 naming the element otherwise). */
async function checkReferences(sql: SqlSession, plan: WritePlan): Promise<void> {
  const problems = [];
  for (const { expression, type, id } of plan.references ?? []) {
    const [head] = isUuid(id)
      ? await sql.query<{ deleted: boolean }>(
          'select deleted from fhir_resources where resource_type = $1 and id = $2',
          [type, id],
          'fhir_reference_head',
        )
      : [];
    if (!head || head.deleted)
      problems.push({
        expression,
        diagnostics: `${expression}: ${type}/${id} ${head ? 'was deleted' : 'is not known'}`,
      });
  }
  if (problems.length > 0) throw FhirError.unprocessable(problems);
}

interface WrittenRow {
  snapshot: Snapshot | null;
  version_id: number;
  last_updated: Date | string;
}

const WRITTEN_SQL = 'select * from fhir_written($1, $2)';
const LOCK_SQL = 'select 1 from fhir_resources where resource_type = $1 and id = $2 for update';
const LOCKED_CURRENT_SQL = `select ${VERSION_COLUMNS}, fhir_snapshot(h.resource_type, h.id) as existing
  from fhir_resources h
  join fhir_resource_versions v on v.resource_type = h.resource_type and v.id = h.id and v.version_id = h.version_id
  where h.resource_type = $1 and h.id = $2`;

function checkShapes(table: string, values: Record<string, unknown>): void {
  try {
    assertColumnShapes(table, values);
  } catch (error) {
    if (error instanceof JsonbShapeError)
      throw FhirError.unprocessable(error.problems.map((diagnostics) => ({ expression: table, diagnostics })));
    throw error;
  }
}

/** Errors of the database that a client's data caused, as FHIR errors; others pass unchanged. */
function asFhirError(error: unknown): unknown {
  if (error instanceof FhirError) return error;
  const { code, constraint, message } = error as { code?: unknown; constraint?: string; message?: string };
  if (code === '23505')
    return FhirError.duplicate(duplicateMessage(constraint ?? /unique constraint "([^"]+)"/.exec(message ?? '')?.[1]));
  // data exceptions (22xxx) and integrity violations (23xxx): the values, not the server, are wrong
  if (typeof code === 'string' && /^2[23]/.test(code))
    return FhirError.unprocessable([{ expression: 'resource', diagnostics: message ?? code }]);
  return error;
}

function duplicateMessage(constraint: string | undefined): string {
  if (constraint === 'users_email_key') return 'another account already uses this email address';
  if (constraint === 'users_userId_key') return 'another record already uses this business number';
  return 'another record already holds a value that must be unique';
}
