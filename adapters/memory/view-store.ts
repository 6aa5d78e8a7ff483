import { compareForSort, matchesFilter } from "../../core/model/view-match.js";
import { pageOf, parseViewQuery, selectFields, type ViewQuery } from "../../core/model/view-query.js";
import {
  deleteByWrite,
  assertViewName,
  latestPerId,
  MissingShadowError,
  type ViewDocument,
  type ViewPage,
  type ViewRecord,
  type ViewSlot,
  type ViewStore,
  type ViewWrite,
} from "../../core/ports/view-store.js";

type Generation = Map<string, ViewRecord>;

interface ViewGenerations {
  live: Generation;
  shadow?: Generation;
}

const clone = <T>(value: T): T => structuredClone(value);

/** Views in process memory, for tests and demos: the reference the other view stores are held to. */
export class MemoryViewStore implements ViewStore {
  readonly #views = new Map<string, ViewGenerations>();

  async write(realm: string, view: string, writes: readonly ViewWrite[], slot: ViewSlot = "live"): Promise<readonly string[]> {
    const generation = this.#generation(realm, view, slot);
    const landed: string[] = [];
    for (const write of latestPerId(writes)) {
      const stored = generation.get(write.id);
      if (stored !== undefined && stored.version >= write.version) continue;
      generation.set(write.id, clone(write));
      landed.push(write.id);
    }
    return landed;
  }

  async read(realm: string, view: string, ids: readonly string[], slot: ViewSlot = "live"): Promise<ReadonlyMap<string, ViewRecord>> {
    const generation = this.#generation(realm, view, slot);
    const found = new Map<string, ViewRecord>();
    for (const id of ids) {
      const record = generation.get(id);
      if (record !== undefined) found.set(id, clone(record));
    }
    return found;
  }

  async get(realm: string, view: string, id: string): Promise<ViewDocument | undefined> {
    const record = this.#generation(realm, view, "live").get(id);
    return record === undefined || record.data === null ? undefined : clone({ id, version: record.version, data: record.data });
  }

  delete(realm: string, view: string, id: string, version: number): Promise<boolean> {
    return deleteByWrite(this, realm, view, id, version);
  }

  async search(realm: string, view: string, input: ViewQuery): Promise<ViewPage> {
    const query = parseViewQuery(input);
    const matching: ViewDocument[] = [];
    for (const record of this.#generation(realm, view, "live").values()) {
      if (record.data !== null && matchesFilter(record.data, query.filter)) {
        matching.push({ id: record.id, version: record.version, data: record.data });
      }
    }
    matching.sort(compareForSort(query.sort ?? []));
    const { from, size } = pageOf(query);
    const items = matching.slice(from, from + size).map((doc) => ({ ...doc, data: clone(selectFields(doc.data, query.select)) }));
    return { total: matching.length, items };
  }

  async createShadow(realm: string, view: string): Promise<void> {
    this.#entry(realm, view).shadow = new Map();
  }

  async hasShadow(realm: string, view: string): Promise<boolean> {
    return this.#entry(realm, view).shadow !== undefined;
  }

  async swapShadow(realm: string, view: string): Promise<void> {
    const entry = this.#entry(realm, view);
    if (entry.shadow === undefined) throw new MissingShadowError(realm, view);
    entry.live = entry.shadow;
    entry.shadow = undefined;
  }

  async dropShadow(realm: string, view: string): Promise<void> {
    this.#entry(realm, view).shadow = undefined;
  }

  async close(): Promise<void> {}

  #entry(realm: string, view: string): ViewGenerations {
    assertViewName(view);
    const key = `${realm}\u0000${view}`;
    let entry = this.#views.get(key);
    if (entry === undefined) {
      entry = { live: new Map() };
      this.#views.set(key, entry);
    }
    return entry;
  }

  #generation(realm: string, view: string, slot: ViewSlot): Generation {
    const entry = this.#entry(realm, view);
    if (slot === "live") return entry.live;
    if (entry.shadow === undefined) throw new MissingShadowError(realm, view);
    return entry.shadow;
  }
}
