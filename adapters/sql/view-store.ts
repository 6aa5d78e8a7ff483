import { pageOf, parseViewQuery, selectFields, type ViewQuery } from "../../core/model/view-query.js";
import {
  deleteByWrite,
  getFromRead,
  assertViewName,
  latestPerId,
  MissingShadowError,
  type ViewData,
  type ViewDocument,
  type ViewPage,
  type ViewRecord,
  type ViewSlot,
  type ViewStore,
  type ViewWrite,
} from "../../core/ports/view-store.js";
import { compileFilter, compileSort, SqlParameters } from "./view-query-sql.js";

/** The one method both `pg.Pool` and PGlite offer that the view store needs. */
export interface ViewSqlClient {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;

/** A schema name is an identifier in the SQL text, so it must match a strict pattern first. */
export function quotedSchema(schema: string): string {
  if (!schemaPattern.test(schema)) throw new Error(`schema must be a lower-case SQL identifier: ${schema}`);
  return `"${schema}"`;
}

/**
 * Views as JSONB rows, queried through the view query language compiled to parameterised SQL.
 * A view has generations: `live` (0 until the first rebuild) and at most one `shadow`; a swap
 * flips one row of `view_generations`, so readers switch atomically.
 */
export class PostgresViewStore implements ViewStore {
  readonly #client: ViewSqlClient;
  readonly #docs: string;
  readonly #generations: string;
  readonly #sequence: string;

  constructor(client: ViewSqlClient, options: { schema: string }) {
    const s = quotedSchema(options.schema);
    this.#client = client;
    this.#docs = `${s}.view_documents`;
    this.#generations = `${s}.view_generations`;
    this.#sequence = `${s}.view_generation_seq`;
  }

  async write(realm: string, view: string, writes: readonly ViewWrite[], slot: ViewSlot = "live"): Promise<readonly string[]> {
    if (writes.length === 0) return [];
    const generation = await this.#generationParameter(realm, view, slot);
    const rows = latestPerId(writes).map((write) => ({
      id: write.id,
      version: write.version,
      deleted: write.data === null,
      data: write.data ?? {},
    }));
    const result = await this.#client.query(
      `INSERT INTO ${this.#docs} AS d (realm, view, generation, id, version, deleted, data)
       SELECT $1, $2, ${generation.sql}, w.id, w.version, w.deleted, w.data
       FROM jsonb_to_recordset($4::jsonb) AS w(id text, version bigint, deleted boolean, data jsonb)
       ON CONFLICT (realm, view, generation, id) DO UPDATE
         SET version = excluded.version, deleted = excluded.deleted, data = excluded.data, updated_at = now()
         WHERE d.version < excluded.version
       RETURNING d.id`,
      [realm, view, generation.value, JSON.stringify(rows)],
    );
    return result.rows.map((row) => String(row.id));
  }

  async read(realm: string, view: string, ids: readonly string[], slot: ViewSlot = "live"): Promise<ReadonlyMap<string, ViewRecord>> {
    const generation = await this.#generationParameter(realm, view, slot);
    const result = await this.#client.query(
      `SELECT id, version, deleted, data FROM ${this.#docs}
       WHERE realm = $1 AND view = $2 AND generation = ${generation.sql} AND id = ANY($4::text[])`,
      [realm, view, generation.value, [...ids]],
    );
    return new Map(result.rows.map((row) => [String(row.id), toRecord(row)]));
  }

  get(realm: string, view: string, id: string): Promise<ViewDocument | undefined> {
    return getFromRead(this, realm, view, id);
  }

  delete(realm: string, view: string, id: string, version: number): Promise<boolean> {
    return deleteByWrite(this, realm, view, id, version);
  }

  async search(realm: string, view: string, input: ViewQuery): Promise<ViewPage> {
    const query = parseViewQuery(input);
    const generation = await this.#generation(realm, view, "live");
    const { from, size } = pageOf(query);
    const params = new SqlParameters([realm, view, generation]);
    const where = `realm = $1 AND view = $2 AND generation = $3 AND NOT deleted AND ${compileFilter(query.filter, params)}`;
    const countParams = params.values.length;
    const order = compileSort(query.sort ?? [], params);
    const page = await this.#client.query(
      `SELECT id, version, data, count(*) OVER () AS total FROM ${this.#docs} WHERE ${where}
       ORDER BY ${order} LIMIT ${params.add(size)} OFFSET ${params.add(from)}`,
      params.values,
    );
    const first = page.rows[0];
    // An empty page (past the end, or size 0) carries no window count: ask for it separately.
    const total =
      first !== undefined
        ? Number(first.total)
        : Number(
            (await this.#client.query(`SELECT count(*) AS total FROM ${this.#docs} WHERE ${where}`, params.values.slice(0, countParams)))
              .rows[0]?.total ?? 0,
          );
    const items = page.rows.map((row) => ({
      id: String(row.id),
      version: Number(row.version),
      data: selectFields(row.data as ViewData, query.select),
    }));
    return { total, items };
  }

  async createShadow(realm: string, view: string): Promise<void> {
    assertViewName(view);
    // One statement: the earlier shadow's rows go and the new generation is recorded together.
    await this.#client.query(
      `WITH old AS (SELECT shadow FROM ${this.#generations} WHERE realm = $1 AND view = $2 FOR UPDATE),
       purge AS (DELETE FROM ${this.#docs} d USING old WHERE d.realm = $1 AND d.view = $2 AND d.generation = old.shadow)
       INSERT INTO ${this.#generations} (realm, view, live, shadow) VALUES ($1, $2, 0, nextval('${this.#sequence}'))
       ON CONFLICT (realm, view) DO UPDATE SET shadow = excluded.shadow`,
      [realm, view],
    );
  }

  async hasShadow(realm: string, view: string): Promise<boolean> {
    assertViewName(view);
    const result = await this.#client.query(`SELECT shadow FROM ${this.#generations} WHERE realm = $1 AND view = $2`, [realm, view]);
    return result.rows[0]?.shadow !== undefined && result.rows[0]?.shadow !== null;
  }

  async swapShadow(realm: string, view: string): Promise<void> {
    assertViewName(view);
    const result = await this.#client.query(
      `WITH old AS (SELECT live, shadow FROM ${this.#generations} WHERE realm = $1 AND view = $2 AND shadow IS NOT NULL FOR UPDATE),
       swapped AS (
         UPDATE ${this.#generations} g SET live = old.shadow, shadow = NULL FROM old
         WHERE g.realm = $1 AND g.view = $2 RETURNING old.live AS dropped
       ),
       purge AS (DELETE FROM ${this.#docs} d USING swapped WHERE d.realm = $1 AND d.view = $2 AND d.generation = swapped.dropped)
       SELECT dropped FROM swapped`,
      [realm, view],
    );
    if (result.rows.length === 0) throw new MissingShadowError(realm, view);
  }

  async dropShadow(realm: string, view: string): Promise<void> {
    assertViewName(view);
    await this.#client.query(
      `WITH old AS (SELECT shadow FROM ${this.#generations} WHERE realm = $1 AND view = $2 AND shadow IS NOT NULL FOR UPDATE),
       cleared AS (UPDATE ${this.#generations} g SET shadow = NULL FROM old WHERE g.realm = $1 AND g.view = $2 RETURNING old.shadow)
       DELETE FROM ${this.#docs} d USING cleared WHERE d.realm = $1 AND d.view = $2 AND d.generation = cleared.shadow`,
      [realm, view],
    );
  }

  /** The client belongs to the caller (it may serve the event store too): closing it is theirs. */
  async close(): Promise<void> {}

  /**
   * The generation as SQL for parameter $3 of a statement whose $1, $2 are realm and view. The live
   * one is looked up inside the statement itself: a projector's read and write save a round trip
   * each, and the lookup sees the same snapshot as the write it serves.
   */
  async #generationParameter(realm: string, view: string, slot: ViewSlot): Promise<{ sql: string; value: number | null }> {
    if (slot === "shadow") return { sql: "$3::bigint", value: await this.#generation(realm, view, slot) };
    assertViewName(view);
    return {
      sql: `coalesce((SELECT g.live FROM ${this.#generations} AS g WHERE g.realm = $1 AND g.view = $2), $3::bigint)`,
      value: 0,
    };
  }

  async #generation(realm: string, view: string, slot: ViewSlot): Promise<number> {
    assertViewName(view);
    const result = await this.#client.query(`SELECT live, shadow FROM ${this.#generations} WHERE realm = $1 AND view = $2`, [realm, view]);
    const row = result.rows[0];
    if (slot === "live") return row === undefined ? 0 : Number(row.live);
    if (row?.shadow === undefined || row.shadow === null) throw new MissingShadowError(realm, view);
    return Number(row.shadow);
  }
}

function toRecord(row: Record<string, unknown>): ViewRecord {
  return { id: String(row.id), version: Number(row.version), data: row.deleted === true ? null : (row.data as ViewData) };
}
