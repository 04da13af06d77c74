// Mapping-driven storage of resources (D3 to D5, D13): reads stream the stored rendering, writes go
// through MikroORM in one transaction, the triggers make the versions, overflow is kept beside.
import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { FhirResource } from 'fhir/r4.js';
import type { MapContext, ResourceMapping, Snapshot } from '../../mappings/types.js';
import { entities } from '../db/entities/index.js';
import { preparedQuery } from '../db/prepared-query.js';
import { FhirError } from './outcome.js';
import { splitOverflow } from './overflow.js';
import { renderResource } from './rendering.js';

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

const entityOf = new Map<string, string>(entities.map((e) => [e.meta.tableName, e.meta.className]));
const entity = (table: string) => {
  const name = entityOf.get(table);
  if (!name) throw new Error(`no entity for table ${table}`);
  return name;
};

const VERSION_COLUMNS = `v.id, v.version_id, v.last_updated, v.deleted, v.rendered,
  case when v.rendered is null then v.snapshot end as snapshot`;

/** The one version of a row of an append-only source (ResourceMapping.source.appendOnly). */
export function appendOnlyColumns(mapping: ResourceMapping): string {
  const { id, appendOnly } = mapping.source;
  return `${id} as id, 1 as version_id, (${appendOnly!.lastUpdated} at time zone 'UTC') as last_updated,
    false as deleted, null::text as rendered, fhir_snapshot('${mapping.resourceType}', ${id}) as snapshot`;
}

const CURRENT_SQL = `select ${VERSION_COLUMNS} from fhir_resources h
  join fhir_resource_versions v on v.resource_type = h.resource_type and v.id = h.id and v.version_id = h.version_id
  where h.resource_type = $1 and h.id = $2`;

export class Repository {
  private forked: EntityManager | undefined;

  /** `root` is the ORM's global EntityManager: reads use its pool; a fork is made only for work that needs one. */
  constructor(
    private readonly root: EntityManager,
    private readonly ctx: MapContext,
  ) {}

  private get em(): EntityManager {
    return (this.forked ??= this.root.fork());
  }

  get entityManager(): EntityManager {
    return this.em;
  }

  /** `em` is the transaction's when there is one; the lazy rendering's update otherwise forks. */
  private async materialise(mapping: ResourceMapping, row: VersionRow, em?: EntityManager): Promise<StoredVersion> {
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
    await (em ?? this.em).execute(
      'update fhir_resource_versions set rendered = ? where resource_type = ? and id = ? and version_id = ? and rendered is null',
      [body, mapping.resourceType, row.id, row.version_id],
    );
    return { ...version, body };
  }

  /** The current version, or undefined when the resource never existed. */
  async current(mapping: ResourceMapping, id: string, em?: EntityManager): Promise<StoredVersion | undefined> {
    if (!isUuid(id)) return undefined;
    if (mapping.source.appendOnly) return this.appendOnlyVersion(mapping, id);
    if (!em) {
      const [row] = await preparedQuery<VersionRow>(this.root, 'fhir_read_current', CURRENT_SQL, [
        mapping.resourceType,
        id,
      ]);
      return row ? this.materialise(mapping, row) : undefined;
    }
    const rows = await em.execute<VersionRow[]>(
      `select ${VERSION_COLUMNS} from fhir_resources h
         join fhir_resource_versions v on v.resource_type = h.resource_type and v.id = h.id and v.version_id = h.version_id
        where h.resource_type = ? and h.id = ?`,
      [mapping.resourceType, id],
    );
    return rows[0] ? this.materialise(mapping, rows[0], em) : undefined;
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
    const rows = await this.root.execute<VersionRow[]>(
      `select ${appendOnlyColumns(mapping)} from ${mapping.source.from} where ${mapping.source.id} = ?`,
      [id],
    );
    return rows[0] ? this.materialise(mapping, rows[0]) : undefined;
  }

  async materialiseRows(mapping: ResourceMapping, rows: VersionRow[]): Promise<StoredVersion[]> {
    const out: StoredVersion[] = [];
    for (const row of rows) out.push(await this.materialise(mapping, row));
    return out;
  }

  /** Creates the rows of a new resource (and with `id`, at that id: update as create). */
  create(mapping: ResourceMapping, resource: FhirResource, id: string = randomUUID()): Promise<StoredVersion> {
    return this.em.transactional((em) => this.write(em, mapping, resource, id, undefined));
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
    return this.em.transactional(async (em) => {
      const current = await this.lockCurrent(em, mapping, id);
      const resource = produce(current);
      if (!current) return { version: await this.write(em, mapping, resource, id, undefined), created: true };
      const existing = await this.snapshotOf(em, mapping, id);
      if (!existing) throw FhirError.notFound(`${mapping.resourceType}/${id} is not known`);
      return { version: await this.write(em, mapping, resource, id, existing, current.deleted), created: false };
    });
  }

  /** Soft delete (D1 columns): the rows stay, marked deleted; a new version records it. */
  delete(
    mapping: ResourceMapping,
    id: string,
    check: (current: StoredVersion) => void,
  ): Promise<StoredVersion | undefined> {
    return this.em.transactional(async (em) => {
      const current = await this.lockCurrent(em, mapping, id);
      if (!current) return undefined;
      check(current);
      if (current.deleted) return current;
      const existing = await this.snapshotOf(em, mapping, id);
      const now = new Date();
      const stamp = (values: Record<string, unknown> | undefined) =>
        Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, v === 'now' ? now : v]));
      const { parent } = mapping.source;
      if (parent && mapping.softDelete.parent)
        await em.nativeUpdate(
          entity(parent.table),
          { id: existing?.[mapping.source.table]?.[parent.link] },
          stamp(mapping.softDelete.parent),
        );
      if (mapping.softDelete.root)
        await em.nativeUpdate(entity(mapping.source.table), { id }, stamp(mapping.softDelete.root));
      return this.current(mapping, id, em);
    });
  }

  private async lockCurrent(
    em: EntityManager,
    mapping: ResourceMapping,
    id: string,
  ): Promise<StoredVersion | undefined> {
    if (!isUuid(id)) return undefined;
    const locked = await em.execute<{ version_id: number }[]>(
      'select version_id from fhir_resources where resource_type = ? and id = ? for update',
      [mapping.resourceType, id],
    );
    return locked.length ? this.current(mapping, id, em) : undefined;
  }

  private async snapshotOf(em: EntityManager, mapping: ResourceMapping, id: string): Promise<Snapshot | undefined> {
    const [row] = await em.execute<{ snapshot: Snapshot | string | null }[]>('select fhir_snapshot(?, ?) as snapshot', [
      mapping.resourceType,
      id,
    ]);
    const snapshot = typeof row?.snapshot === 'string' ? JSON.parse(row.snapshot) : row?.snapshot;
    return snapshot ?? undefined;
  }

  private async write(
    em: EntityManager,
    mapping: ResourceMapping,
    resource: FhirResource,
    id: string,
    existing: Snapshot | undefined,
    revive = false,
  ): Promise<StoredVersion> {
    if (!mapping.write) throw FhirError.methodNotAllowed(`${mapping.resourceType} is read-only`, ['GET']);
    const plan = mapping.write(resource as never, this.ctx, existing);
    if (plan.problems.length > 0) throw FhirError.unprocessable(plan.problems);
    const { table, parent, numbering } = mapping.source;
    const undelete = revive ? mapping.softDelete : undefined;
    const clear = (values: Record<string, unknown> | undefined) =>
      Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, typeof v === 'boolean' ? !v : null]));
    if (existing) {
      if (parent && plan.parent)
        await this.unique(() =>
          em.nativeUpdate(
            entity(parent.table),
            { id: existing[table]?.[parent.link] },
            { ...plan.parent, ...clear(undelete?.parent) },
          ),
        );
      await this.unique(() => em.nativeUpdate(entity(table), { id }, { ...plan.root, ...clear(undelete?.root) }));
    } else {
      const defaults = mapping.createDefaults?.(this.ctx) ?? {};
      const root: Record<string, unknown> = { ...defaults.root, ...plan.root, id };
      if (parent) {
        const values: Record<string, unknown> = {
          ...defaults.parent,
          ...plan.parent,
          password: `!${randomBytes(24).toString('base64url')}`,
        };
        root[parent.link] = await this.insertNumbered(em, entity(parent.table), values, numbering);
      } else if (numbering && root[numbering.column] == null) {
        root[numbering.column] = await this.nextNumber(em, numbering);
      }
      await this.unique(() => em.insert(entity(table), root));
    }
    for (const { system, value } of plan.hashes ?? []) {
      if (value !== undefined)
        await em.execute(
          `insert into fhir_identifier_hashes (resource_type, id, system, hash) values (?, ?, ?, ?)
           on conflict (resource_type, id, system) do update set hash = excluded.hash`,
          [mapping.resourceType, id, system, this.ctx.secrets.hash(system, value)],
        );
      else if (existing)
        await em.execute('delete from fhir_identifier_hashes where resource_type = ? and id = ? and system = ?', [
          mapping.resourceType,
          id,
          system,
        ]);
    }
    // The head cannot move again in this transaction: the triggers keep one version per transaction.
    const [written] = await em.execute<
      { snapshot: Snapshot | string | null; version_id: number; last_updated: Date }[]
    >(
      `select fhir_snapshot(?, ?) as snapshot, h.version_id, h.last_updated
         from fhir_resources h where h.resource_type = ? and h.id = ?`,
      [mapping.resourceType, id, mapping.resourceType, id],
    );
    if (!written) throw new Error(`${mapping.resourceType}/${id} has no version: is its trigger installed?`);
    const stored = (
      typeof written.snapshot === 'string' ? JSON.parse(written.snapshot) : written.snapshot
    ) as Snapshot | null;
    if (!stored) throw new Error(`${mapping.resourceType}/${id} was written but cannot be read back`);
    const overflow = splitOverflow(resource, mapping.read({ ...stored, overflow: null }, this.ctx), mapping.slots);
    const hadOverflow = stored.overflow !== null && stored.overflow !== undefined;
    if (overflow)
      await em.execute(
        `insert into fhir_overflow (resource_type, id, content) values (?, ?, ?::jsonb)
         on conflict (resource_type, id) do update set content = excluded.content`,
        [mapping.resourceType, id, JSON.stringify(overflow)],
      );
    else if (hadOverflow)
      await em.execute('delete from fhir_overflow where resource_type = ? and id = ?', [mapping.resourceType, id]);
    const meta = { id, versionId: written.version_id, lastUpdated: new Date(written.last_updated) };
    const body = JSON.stringify(
      renderResource(mapping, { ...stored, overflow: (overflow as never) ?? null }, meta, this.ctx),
    );
    await em.execute(
      'update fhir_resource_versions set rendered = ? where resource_type = ? and id = ? and version_id = ?',
      [body, mapping.resourceType, id, written.version_id],
    );
    return { resourceType: mapping.resourceType, ...meta, deleted: false, body };
  }

  /** Runs a write, turning a unique violation into 409 naming the constraint. */
  private async unique<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      // the ORM's exception, or the driver's error (SQLSTATE 23505) from the query builder
      if (error instanceof UniqueConstraintViolationException || (error as { code?: unknown }).code === '23505')
        throw FhirError.duplicate(duplicateMessage(constraintOf(error as UniqueConstraintViolationException)));
      throw error;
    }
  }

  /** Inserts the parent row with a new business number, unique under concurrent creates. */
  private async insertNumbered(
    em: EntityManager,
    entityName: string,
    values: Record<string, unknown>,
    numbering: ResourceMapping['source']['numbering'],
  ): Promise<string> {
    const id = randomUUID();
    const clientNumber = !numbering || values[numbering.column] != null;
    for (let attempt = 0; ; attempt++) {
      const row: Record<string, unknown> = { ...values, id };
      if (!clientNumber) row[numbering!.column] = await this.nextNumber(em, numbering!, attempt > 0);
      if (clientNumber) {
        await this.unique(() => em.insert(entityName, row));
        return id;
      }
      // A number another application took is skipped: the insert does nothing and we try the next.
      const result = await this.unique(() =>
        em.createQueryBuilder(entityName).insert(row).onConflict(numbering!.column).ignore().execute('run'),
      );
      if (result.affectedRows === 1) return id;
      if (attempt >= 5) throw FhirError.conflict('could not assign a free business number; retry');
    }
  }

  /** The next business number; `resync` first moves the sequence past numbers others wrote. */
  private async nextNumber(
    em: EntityManager,
    numbering: NonNullable<ResourceMapping['source']['numbering']>,
    resync = false,
  ): Promise<string> {
    const { table, column, prefix, width, sequence } = numbering;
    if (resync)
      await em.execute(
        `select setval('"${sequence}"', greatest((select last_value from "${sequence}"),
           (select coalesce(max(substring("${column}" from '^${prefix}([0-9]+)$')::bigint), 0) from "${table}")))`,
      );
    const [row] = await em.execute<{ value: string | number }[]>(`select nextval('"${sequence}"') as value`);
    return `${prefix}${String(row!.value).padStart(width, '0')}`;
  }
}

/** The unique constraint a violation names (PostgreSQL reports it in `constraint`). */
function constraintOf(error: UniqueConstraintViolationException): string | undefined {
  const cause = error as unknown as { constraint?: string; message: string };
  return cause.constraint ?? /unique constraint "([^"]+)"/.exec(cause.message)?.[1];
}

function duplicateMessage(constraint: string | undefined): string {
  if (constraint === 'users_email_key') return 'another account already uses this email address';
  if (constraint === 'users_userId_key') return 'another record already uses this business number';
  return 'another record already holds a value that must be unique';
}
