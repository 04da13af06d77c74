// The search engine (D7): one compiled SQL query per page over the mapped columns, joined to the
// resource heads and their stored renderings; totals, keyset paging and includes around it.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MapContext, ResourceMapping, SqlCondition } from '../../mappings/types.js';
import { FhirError } from '../fhir/outcome.js';
import { appendOnlyColumns, type VersionRow } from '../fhir/repository.js';
import type { SearchAccess } from './access.js';
import { accessOf, compileWhere, resourcesOf, Unsupported, type CompileEnv } from './compile.js';
import { findIncludes, type IncludedRow } from './include.js';
import { CursorCodec, keysetCondition, orderBy, sortKeys, type Cursor, type SortKey } from './paging.js';
import type { ResultParams, SearchRequest, TotalMode } from './parse.js';
import { rawQuery } from '../db/raw-query.js';
import { and, or } from './sql.js';

export interface SearchSettings {
  defaultCount: number;
  maxCount: number;
  /** Signs page cursors: the same on every instance (configuration, or the database's secret). */
  cursorSecret: string;
}

export interface SearchOptions {
  strict: boolean;
  /** The FHIR base URL as the client sees it: absolute references on it are local. */
  baseUrl: string;
  access?: SearchAccess;
  /** Compartment search (http://hl7.org/fhir/R4/compartmentdefinition.html): only this patient's. */
  compartment?: { type: 'Patient'; id: string };
  /** For conditional interactions: no paging, no totals, no includes. */
  limit?: number;
}

export interface MatchRow extends VersionRow {
  resource_type: string;
  keys: (string | null)[];
}

export interface SearchResult {
  matches: MatchRow[];
  included: IncludedRow[];
  total?: number;
  /** Cursors of the pages after and before this one. */
  next?: string;
  prev?: string;
  count: number;
  warnings: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const VERSION_COLUMNS = `v.id, v.version_id, v.last_updated, v.deleted, v.rendered,
  case when v.rendered is null then v.snapshot end as snapshot`;

export interface CompiledQuery extends SqlCondition {
  keys: SortKey[];
}

/** The sort parameters a search over several types takes: columns of the resource heads. */
const ACROSS_TYPES = new Set(['_id', '_lastUpdated']);

/** A sort key as it comes back (PostgreSQL's text of a uuid or a timestamptz), comparable in JS. */
function keyValue(text: string | null): number | string | null {
  if (text === null) return null;
  const instant = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2})(?::?(\d{2}))?$/.exec(text);
  return instant ? Date.parse(`${instant[1]}T${instant[2]}${instant[3]}:${instant[4] ?? '00'}`) : text;
}

/** The order of the page queries (orderBy) for rows of several types: the keys, then id and type. */
function compareMatches(keys: readonly SortKey[], a: MatchRow, b: MatchRow): number {
  for (let i = 0; i < keys.length; i++) {
    const x = keyValue(a.keys[i] ?? null);
    const y = keyValue(b.keys[i] ?? null);
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    const order = x < y ? -1 : 1;
    return keys[i]!.descending ? -order : order;
  }
  const idA = `${a.id} ${a.resource_type}`;
  const idB = `${b.id} ${b.resource_type}`;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

export class SearchEngine {
  private readonly cursors: CursorCodec;

  constructor(
    private readonly byType: ReadonlyMap<string, ResourceMapping>,
    private readonly ctx: MapContext,
    readonly settings: SearchSettings,
  ) {
    this.cursors = new CursorCodec(settings.cursorSecret);
  }

  private env(options: SearchOptions): CompileEnv {
    return { ctx: this.ctx, baseUrl: options.baseUrl, byType: this.byType, access: options.access };
  }

  mapping(type: string): ResourceMapping {
    const mapping = this.byType.get(type);
    if (!mapping) throw FhirError.notFound(`${type} is not a resource type this server serves`);
    return mapping;
  }

  count(result: ResultParams): number {
    const count = result.count ?? this.settings.defaultCount;
    return Math.min(count, this.settings.maxCount);
  }

  /** The filter of a search: parameters, compartment and access, without paging. */
  filter(mapping: ResourceMapping, request: SearchRequest, options: SearchOptions) {
    const env = this.env(options);
    const compiled = compileWhere(mapping, request.params, env, options.strict);
    const conditions = [compiled.where, accessOf(mapping, env)];
    if (options.compartment) {
      const column = mapping.compartment?.[options.compartment.type];
      if (!column)
        throw FhirError.invalid(`${mapping.resourceType} is not in the ${options.compartment.type} compartment`);
      conditions.push(
        UUID.test(options.compartment.id)
          ? { sql: `${column} = ?::uuid`, params: [options.compartment.id] }
          : { sql: 'false', params: [] },
      );
    }
    return { where: and(conditions), ignored: compiled.ignored };
  }

  /** The SQL of one page (exported for EXPLAIN checks). */
  pageQuery(
    mapping: ResourceMapping,
    where: SqlCondition,
    keys: SortKey[],
    limit: number,
    cursor?: Cursor,
  ): CompiledQuery {
    const from = resourcesOf(mapping);
    const conditions = and([where, ...(cursor ? [keysetCondition(keys, cursor)] : [])]);
    const keyColumns = keys.map((k, i) => `, (${k.sql})::text as k${i}`).join('');
    // an append-only row is rendered from itself: it has no version rows
    const versions = mapping.source.appendOnly
      ? `select ${appendOnlyColumns(mapping)}, h.resource_type${keyColumns} from ${from.sql}`
      : `select ${VERSION_COLUMNS}, h.resource_type${keyColumns} from ${from.sql}
        join fhir_resource_versions v on v.resource_type = h.resource_type and v.id = h.id and v.version_id = h.version_id`;
    return {
      sql: `${versions}
        where ${conditions.sql} order by ${orderBy(keys, cursor?.direction === 'prev')} limit ?`,
      params: [...from.params, ...conditions.params, limit],
      keys,
    };
  }

  private async total(em: EntityManager, mapping: ResourceMapping, where: SqlCondition, mode: TotalMode) {
    const from = resourcesOf(mapping);
    const sql = `select count(*)::int as total from ${from.sql} where ${where.sql}`;
    const params = [...from.params, ...where.params];
    if (mode === 'estimate') {
      const [row] = await rawQuery<{ 'QUERY PLAN': unknown }>(em, `explain (format json) ${sql}`, params);
      const plan = row?.['QUERY PLAN'];
      const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as {
        Plan: { Plans?: { 'Plan Rows': number }[] };
      }[];
      return Math.round(parsed[0]?.Plan.Plans?.[0]?.['Plan Rows'] ?? 0);
    }
    const [row] = await rawQuery<{ total: number }>(em, sql, params);
    return row?.total ?? 0;
  }

  queryHash(canonicalQuery: string): string {
    return this.cursors.queryHash(canonicalQuery);
  }

  async search(
    em: EntityManager,
    mapping: ResourceMapping,
    request: SearchRequest,
    options: SearchOptions & { canonicalQuery: string },
  ): Promise<SearchResult> {
    return this.searchTypes(em, [mapping], request, options);
  }

  /** One search over several types (system search, _type): keyset by id across them all. */
  async searchTypes(
    em: EntityManager,
    targets: readonly ResourceMapping[],
    request: SearchRequest,
    options: SearchOptions & { canonicalQuery: string },
  ): Promise<SearchResult> {
    const { result } = request;
    const warnings: string[] = [];
    const filters = targets.map((mapping) => ({ mapping, ...this.filter(mapping, request, options) }));
    for (const i of filters.flatMap((f) => f.ignored.map((g) => `ignored ${g.key}: ${g.reason}`)))
      if (!warnings.includes(i)) warnings.push(i);
    let keys: SortKey[];
    try {
      // over several types only what every type has the same: _id and _lastUpdated (over the heads)
      if (targets.length > 1 && result.sort.some((s) => !ACROSS_TYPES.has(s.name)))
        throw new Unsupported('_sort: a search over several types sorts by _id and _lastUpdated only');
      keys = sortKeys(targets[0]!, result.sort);
      const appendOnly = targets.length === 1 ? targets[0]!.source.appendOnly : undefined;
      // append-only rows (audit events) come newest first unless _sort says otherwise
      if (appendOnly && keys.length === 0)
        keys = [appendOnly.order ?? { sql: appendOnly.lastUpdated, descending: true }];
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      if (options.strict) throw FhirError.invalid(`${error.message} (Prefer: handling=strict)`);
      warnings.push(`ignored ${error.message}`);
      keys = [];
    }
    const pages = async (limit: number, cursor?: Cursor) => {
      const rows: MatchRow[] = [];
      for (const f of filters)
        rows.push(...(await this.rows(em, this.pageQuery(f.mapping, f.where, keys, limit, cursor))));
      if (filters.length > 1) {
        rows.sort((a, b) => compareMatches(keys, a, b));
        if (cursor?.direction === 'prev') rows.reverse();
      }
      return rows.slice(0, limit);
    };
    if (options.limit !== undefined)
      return { matches: await pages(options.limit), included: [], count: options.limit, warnings };
    const queryHash = this.cursors.queryHash(options.canonicalQuery);
    const cursor = result.cursor ? this.cursors.decode(result.cursor, queryHash) : undefined;
    if (cursor && cursor.keys.length !== keys.length) throw FhirError.invalid('_cursor does not fit this _sort');
    const count = this.count(result);
    if (result.count !== undefined && result.count > count)
      warnings.push(`_count ${result.count} is more than this server serves in a page: ${count} per page`);
    const summaryCount = result.summary === 'count' || count === 0;
    let matches: MatchRow[] = [];
    let more = false;
    if (!summaryCount) {
      matches = await pages(count + 1, cursor);
      more = matches.length > count;
      if (more) matches = matches.slice(0, count);
      if (cursor?.direction === 'prev') matches.reverse();
    }
    // Without _total, the first page counts; later pages leave the count to whoever asks for it.
    const mode = result.total ?? (cursor ? 'none' : 'accurate');
    let total: number | undefined;
    if (mode !== 'none') {
      // The first page that holds every match needs no count.
      if (!cursor && !more && !summaryCount) total = matches.length;
      else {
        total = 0;
        for (const f of filters) total += await this.total(em, f.mapping, f.where, mode);
      }
    }
    const edge = (row: MatchRow | undefined, direction: Cursor['direction']) =>
      row
        ? this.cursors.encode({ direction, keys: row.keys, id: row.id, type: row.resource_type, query: queryHash })
        : undefined;
    const hasNext = cursor?.direction === 'prev' ? true : more;
    const hasPrev = cursor ? (cursor.direction === 'prev' ? more : true) : false;
    const included = summaryCount
      ? []
      : await findIncludes(em, this.byType, targets, matches, result, this.env(options), warnings, options.strict);
    return {
      matches,
      included,
      ...(total !== undefined ? { total } : {}),
      ...(hasNext && matches.length ? { next: edge(matches[matches.length - 1], 'next') } : {}),
      ...(hasPrev && matches.length ? { prev: edge(matches[0], 'prev') } : {}),
      count,
      warnings,
    };
  }

  /**
   * Rows matching any of several searches (each an AND of parameters), at most `limit`:
   * the candidate blocks of $match. Unsupported parameters are left out of a block.
   */
  async candidates(
    em: EntityManager,
    mapping: ResourceMapping,
    blocks: readonly SearchRequest['params'][],
    limit: number,
    options: SearchOptions,
  ): Promise<MatchRow[]> {
    const env = this.env(options);
    const wheres = blocks
      .map((params) => compileWhere(mapping, params, env, false).where)
      .filter((w) => w.sql !== 'true');
    if (!wheres.length) return [];
    return this.rows(em, this.pageQuery(mapping, and([or(wheres), accessOf(mapping, env)]), [], limit));
  }

  private async rows(em: EntityManager, page: CompiledQuery): Promise<MatchRow[]> {
    const rows = await rawQuery<VersionRow & Record<string, unknown>>(em, page.sql, page.params);
    return rows.map((row) => ({
      ...row,
      resource_type: String(row.resource_type),
      keys: page.keys.map((_, i) => (row[`k${i}`] ?? null) as string | null),
    }));
  }
}
