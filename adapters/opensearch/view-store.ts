import type { Client } from "@opensearch-project/opensearch";
import { parseViewQuery, type ViewQuery } from "../../core/model/view-query.js";
import {
  deleteByWrite,
  getFromRead,
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
import { documentId } from "./document-ids.js";
import { assertIndexPrefix, type ViewIndexNames, viewIndexNames } from "./index-names.js";
import { compileSearchBody, type Dsl, viewIndexBody, viewMappingVersion } from "./query-dsl.js";
import { typedFieldsOf, typedRoot } from "./typed-fields.js";

export interface OpenSearchViewStoreOptions {
  readonly client: Client;
  /** Starts every index name; one prefix per deployment keeps environments apart (default `edd-`). */
  readonly prefix?: string;
  /**
   * Whether writes wait until searches see them. OpenSearch search is near-real-time (about 1 s
   * by default); `wait_for` gives read-your-writes at the cost of write latency (default false).
   */
  readonly refresh?: boolean | "wait_for";
}

interface StoredSource {
  readonly id: string;
  readonly version: number;
  readonly deleted: boolean;
  readonly data?: ViewData;
}

const notFound = { ignore: [404] };

/**
 * Views in OpenSearch: one index per realm and view (view names conventionally start with their
 * service), created with its mapping on first use. External versioning makes "never older" the
 * cluster's own rule: a write whose version is not above the stored one is refused with 409.
 * Values are indexed by JSON type (`typed-fields.ts`), so OpenSearch's coercions never change an answer.
 */
export class OpenSearchViewStore implements ViewStore {
  readonly #client: Client;
  readonly #prefix: string;
  readonly #refresh: boolean | "wait_for";
  /** Live aliases known to exist with the current mapping. */
  readonly #ensured = new Set<string>();

  constructor(options: OpenSearchViewStoreOptions) {
    this.#prefix = options.prefix ?? "edd-";
    assertIndexPrefix(this.#prefix);
    this.#client = options.client;
    this.#refresh = options.refresh ?? false;
  }

  async write(realm: string, view: string, writes: readonly ViewWrite[], slot: ViewSlot = "live"): Promise<readonly string[]> {
    if (writes.length === 0) return [];
    const index = await this.#target(realm, view, slot);
    const latest = latestPerId(writes);
    const idOf = new Map(latest.map((write) => [documentId(write.id), write.id]));
    const body = latest.flatMap((write) => [
      { index: { _index: index, _id: documentId(write.id), version: write.version, version_type: "external" } },
      {
        id: write.id,
        version: write.version,
        deleted: write.data === null,
        data: write.data ?? {},
        [typedRoot]: typedFieldsOf(write.data ?? {}),
      },
    ]);
    const response = await this.#client.bulk({ body, refresh: this.#refresh });
    const landed: string[] = [];
    for (const item of response.body.items) {
      const result = item.index;
      if (result === undefined) continue;
      if (result.status === 200 || result.status === 201) landed.push(idOf.get(String(result._id)) ?? String(result._id));
      else if (result.status !== 409) throw new Error(`OpenSearch refused a view write to ${index}: ${JSON.stringify(result.error)}`);
    }
    return landed;
  }

  async read(realm: string, view: string, ids: readonly string[], slot: ViewSlot = "live"): Promise<ReadonlyMap<string, ViewRecord>> {
    const records = new Map<string, ViewRecord>();
    if (ids.length === 0) return records;
    const index = await this.#target(realm, view, slot);
    const response = await this.#client.mget({ index, body: { ids: ids.map(documentId) } });
    for (const doc of response.body.docs as { found?: boolean; _source?: StoredSource }[]) {
      const source = doc._source;
      if (doc.found !== true || source === undefined) continue;
      records.set(source.id, { id: source.id, version: source.version, data: source.deleted ? null : (source.data ?? {}) });
    }
    return records;
  }

  get(realm: string, view: string, id: string): Promise<ViewDocument | undefined> {
    return getFromRead(this, realm, view, id);
  }

  delete(realm: string, view: string, id: string, version: number): Promise<boolean> {
    return deleteByWrite(this, realm, view, id, version);
  }

  async search(realm: string, view: string, input: ViewQuery): Promise<ViewPage> {
    const query = parseViewQuery(input);
    const index = await this.#target(realm, view, "live");
    const response = await this.#client.search({ index, body: compileSearchBody(query) as never });
    const hits = response.body.hits;
    const total = typeof hits.total === "number" ? hits.total : (hits.total?.value ?? 0);
    const items = hits.hits.map((hit) => {
      const source = hit._source as StoredSource;
      return { id: source.id, version: source.version, data: source.data ?? {} };
    });
    return { total, items };
  }

  async createShadow(realm: string, view: string): Promise<void> {
    const names = viewIndexNames(this.#prefix, realm, view);
    await this.#ensureLive(names, false);
    await this.dropShadow(realm, view);
    const generation = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    await this.#client.indices.create({
      index: names.generation(generation),
      body: { ...viewIndexBody, aliases: { [names.shadow]: {} } } as never,
    });
  }

  async hasShadow(realm: string, view: string): Promise<boolean> {
    const names = viewIndexNames(this.#prefix, realm, view);
    return (await this.#aliasTargets(names.shadow)).length > 0;
  }

  /** One `_aliases` call moves the live alias and removes the shadow alias: readers switch atomically. */
  async swapShadow(realm: string, view: string): Promise<void> {
    const names = viewIndexNames(this.#prefix, realm, view);
    const [shadowIndex] = await this.#aliasTargets(names.shadow);
    if (shadowIndex === undefined) throw new MissingShadowError(realm, view);
    const oldIndices = await this.#aliasTargets(names.live);
    const actions: Dsl[] = [
      ...oldIndices.map((index) => ({ remove: { index, alias: names.live } })),
      { add: { index: shadowIndex, alias: names.live } },
      { remove: { index: shadowIndex, alias: names.shadow } },
    ];
    await this.#client.indices.updateAliases({ body: { actions } as never });
    for (const index of oldIndices) await this.#client.indices.delete({ index }, notFound);
  }

  async dropShadow(realm: string, view: string): Promise<void> {
    const names = viewIndexNames(this.#prefix, realm, view);
    for (const index of await this.#aliasTargets(names.shadow)) await this.#client.indices.delete({ index }, notFound);
  }

  /** The client belongs to the caller. */
  async close(): Promise<void> {}

  async #target(realm: string, view: string, slot: ViewSlot): Promise<string> {
    const names = viewIndexNames(this.#prefix, realm, view);
    if (slot === "live") {
      await this.#ensureLive(names);
      return names.live;
    }
    if ((await this.#aliasTargets(names.shadow)).length === 0) throw new MissingShadowError(realm, view);
    return names.shadow;
  }

  /**
   * Creates generation 0 behind the live alias once (a concurrent creator winning the race is
   * fine). A live index from before typed fields would answer queries wrongly: it is refused
   * until a rebuild replaces it, which `createShadow` allows (`checkMapping: false`).
   */
  async #ensureLive(names: ViewIndexNames, checkMapping = true): Promise<void> {
    if (this.#ensured.has(names.live)) return;
    const existing = await this.#aliasTargets(names.live);
    if (existing.length === 0) {
      const response = await this.#client.indices.create(
        { index: names.generation("0"), body: { ...viewIndexBody, aliases: { [names.live]: {} } } as never },
        { ignore: [400] },
      );
      const error = (response.body as { error?: { type?: string } }).error;
      if (error !== undefined && error.type !== "resource_already_exists_exception") {
        throw new Error(`OpenSearch could not create ${names.generation("0")}: ${JSON.stringify(error)}`);
      }
    } else {
      const outdated = await this.#outdatedIndices(existing);
      if (outdated.length > 0) {
        if (!checkMapping) return;
        throw new Error(
          `OpenSearch index ${outdated.join(", ")} behind ${names.live} predates the typed view mapping (version ${viewMappingVersion}) ` +
            "and would answer queries with OpenSearch's type coercions: rebuild the view (edd rebuild <view> --realm <realm>).",
        );
      }
    }
    this.#ensured.add(names.live);
  }

  async #outdatedIndices(indices: readonly string[]): Promise<string[]> {
    const response = await this.#client.indices.getMapping({ index: [...indices] });
    const mappings = response.body as Record<string, { mappings?: { _meta?: { eddViewMapping?: unknown } } }>;
    return indices.filter((index) => mappings[index]?.mappings?._meta?.eddViewMapping !== viewMappingVersion);
  }

  async #aliasTargets(alias: string): Promise<string[]> {
    const response = await this.#client.indices.getAlias({ name: alias }, notFound);
    if (response.statusCode === 404) return [];
    return Object.keys(response.body as Record<string, unknown>);
  }
}
