import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ViewFilter, ViewQuery } from "../core/model/view-query.js";
import { MissingShadowError, type ViewStore, type ViewWrite } from "../core/ports/view-store.js";

export interface ViewStoreFixture {
  readonly store: ViewStore;
  /** Removes what the suite created (schemas, indices) and closes connections. */
  readonly cleanup?: () => Promise<void>;
}

const view = "accounts.summary";

/** Hand-picked documents covering arrays, nesting, nulls, mixed case, dates as strings and negative numbers. */
const fixtures: ViewWrite[] = [
  {
    id: "a1",
    version: 3,
    data: {
      owner: "ana@example.com",
      status: "open",
      balance: 120,
      tags: ["vip", "eu"],
      address: { city: "Lisbon" },
      note: "Prefers e-mail; travels often",
      opened: "2024-01-15",
    },
  },
  {
    id: "a2",
    version: 1,
    data: {
      owner: "bob@example.org",
      status: "open",
      balance: 5.5,
      tags: ["eu"],
      address: { city: "Porto" },
      note: "Travel agent",
      opened: "2024-03-01",
    },
  },
  { id: "a3", version: 7, data: { owner: "carla@example.com", status: "closed", balance: 0, tags: [], note: null, opened: "2023-12-31" } },
  {
    id: "a4",
    version: 2,
    data: { owner: "dan@sample.net", status: "open", balance: 1000, address: { city: "lisbon" }, vip: true, opened: "2024-02-29" },
  },
  {
    id: "a5",
    version: 4,
    data: { owner: "eve@example.com", status: "frozen", balance: -20, tags: ["watch"], vip: false, note: "E-MAIL bounced", code: "A*1" },
  },
];

/** Filter → the ids it must find (order-free). Each case pins one rule of docs/views.md. */
const filterCases: [string, ViewFilter, string[]][] = [
  ["eq on a string", { field: "status", eq: "open" }, ["a1", "a2", "a4"]],
  ["eq on an integer", { field: "balance", eq: 120 }, ["a1"]],
  ["eq on a decimal", { field: "balance", eq: 5.5 }, ["a2"]],
  ["eq true", { field: "vip", eq: true }, ["a4"]],
  ["eq false", { field: "vip", eq: false }, ["a5"]],
  ["eq on an array matches any element", { field: "tags", eq: "eu" }, ["a1", "a2"]],
  ["eq on a nested field is case-sensitive", { field: "address.city", eq: "Lisbon" }, ["a1"]],
  ["in", { field: "status", in: ["closed", "frozen"] }, ["a3", "a5"]],
  ["in on an array", { field: "tags", in: ["vip", "watch"] }, ["a1", "a5"]],
  ["range on numbers", { field: "balance", gte: 0, lt: 1000 }, ["a1", "a2", "a3"]],
  ["range gt", { field: "balance", gt: 0 }, ["a1", "a2", "a4"]],
  ["range lte on a negative", { field: "balance", lte: -20 }, ["a5"]],
  ["range on ISO dates", { field: "opened", gte: "2024-01-01", lt: "2024-03-01" }, ["a1", "a4"]],
  ["range on strings by code point", { field: "status", lt: "o" }, ["a3", "a5"]],
  ["exists on a nested field", { field: "address.city", exists: true }, ["a1", "a2", "a4"]],
  ["exists ignores null", { field: "note", exists: true }, ["a1", "a2", "a5"]],
  ["exists ignores an empty array", { field: "tags", exists: true }, ["a1", "a2", "a5"]],
  ["exists false", { field: "tags", exists: false }, ["a3", "a4"]],
  ["prefix", { field: "owner", prefix: "carla" }, ["a3"]],
  ["prefix is case-sensitive", { field: "address.city", prefix: "Lis" }, ["a1"]],
  ["wildcard star", { field: "owner", wildcard: "*@example.com" }, ["a1", "a3", "a5"]],
  ["wildcard question mark", { field: "owner", wildcard: "?ob@*" }, ["a2"]],
  ["wildcard escape", { field: "code", wildcard: "A\\*1" }, ["a5"]],
  ["wildcard matches the whole value", { field: "code", wildcard: "A\\*" }, []],
  ["wildcard both ends", { field: "owner", wildcard: "*example*" }, ["a1", "a2", "a3", "a5"]],
  ["match a word, no stemming", { field: "note", match: "travel" }, ["a2"]],
  ["match splits on punctuation, ignores case", { field: "note", match: "e-mail" }, ["a1", "a5"]],
  ["match needs every word", { field: "note", match: "MAIL often" }, ["a1"]],
  [
    "and",
    {
      and: [
        { field: "status", eq: "open" },
        { field: "balance", gt: 100 },
      ],
    },
    ["a1", "a4"],
  ],
  [
    "or",
    {
      or: [
        { field: "status", eq: "closed" },
        { field: "vip", eq: true },
      ],
    },
    ["a3", "a4"],
  ],
  ["not includes documents without the field", { not: { field: "status", eq: "open" } }, ["a3", "a5"]],
  ["not exists", { not: { field: "vip", exists: true } }, ["a1", "a2", "a3"]],
  [
    "nested boolean logic",
    {
      and: [
        {
          or: [
            { field: "owner", prefix: "a" },
            { field: "owner", prefix: "e" },
          ],
        },
        { not: { field: "tags", eq: "vip" } },
      ],
    },
    ["a5"],
  ],
];

const sortCases: [string, ViewQuery["sort"], string[]][] = [
  ["numbers ascending", [{ field: "balance" }], ["a5", "a3", "a2", "a1", "a4"]],
  ["numbers descending", [{ field: "balance", order: "desc" }], ["a4", "a1", "a2", "a3", "a5"]],
  ["strings by code point, missing last", [{ field: "address.city" }], ["a1", "a2", "a4", "a3", "a5"]],
  ["descending keeps missing last", [{ field: "address.city", order: "desc" }], ["a4", "a2", "a1", "a3", "a5"]],
  ["two keys", [{ field: "status" }, { field: "balance", order: "desc" }], ["a3", "a5", "a4", "a1", "a2"]],
  ["no value anywhere falls back to id", [{ field: "nothing" }], ["a1", "a2", "a3", "a4", "a5"]],
];

export function describeViewStoreContract(name: string, factory: () => Promise<ViewStoreFixture>): void {
  describe(`view store contract: ${name}`, () => {
    let fixture: ViewStoreFixture;
    let store: ViewStore;
    const realm = () => `realm-${randomUUID()}`;
    const seeded = async (): Promise<string> => {
      const r = realm();
      await store.write(r, view, fixtures);
      return r;
    };
    const ids = async (r: string, query: ViewQuery) => (await store.search(r, view, query)).items.map((item) => item.id);

    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.cleanup?.();
    });

    describe("filters", () => {
      let r: string;
      beforeAll(async () => {
        r = await seeded();
      });
      it.each(filterCases)("%s", async (_label, filter, expected) => {
        const page = await store.search(r, view, { filter, sort: [], size: 100 });
        expect(page.items.map((item) => item.id).sort()).toEqual([...expected].sort());
        expect(page.total).toBe(expected.length);
      });
      it.each(sortCases)("sorts %s", async (_label, sort, expected) => {
        expect(await ids(r, { sort })).toEqual(expected);
      });
      it("pages with from and size and counts all matches", async () => {
        const page = await store.search(r, view, { sort: [{ field: "balance" }], from: 1, size: 2 });
        expect(page.items.map((item) => item.id)).toEqual(["a3", "a2"]);
        expect(page.total).toBe(5);
        expect(await store.search(r, view, { from: 10, size: 5 })).toEqual({ total: 5, items: [] });
        expect(await store.search(r, view, { size: 0, filter: { field: "status", eq: "open" } })).toEqual({ total: 3, items: [] });
      });
      it("returns only selected fields, keeping nesting", async () => {
        const page = await store.search(r, view, {
          select: ["owner", "address.city"],
          sort: [{ field: "balance", order: "desc" }],
          size: 2,
        });
        expect(page.items).toEqual([
          { id: "a4", version: 2, data: { owner: "dan@sample.net", address: { city: "lisbon" } } },
          { id: "a1", version: 3, data: { owner: "ana@example.com", address: { city: "Lisbon" } } },
        ]);
      });
      it("returns whole documents with their versions", async () => {
        const page = await store.search(r, view, { filter: { field: "owner", eq: "carla@example.com" } });
        expect(page.items).toEqual([fixtures[2]]);
      });
      it("rejects a field path that is not dotted identifiers, before reaching the backend", async () => {
        await expect(store.search(r, view, { filter: { field: "a'); drop table x; --", eq: 1 } })).rejects.toThrow(/field path/);
        await expect(store.search(r, view, { size: 1001 })).rejects.toThrow();
      });
    });

    describe("writes", () => {
      it("gets a document by id; ids may hold any characters", async () => {
        const r = realm();
        await store.write(r, view, [{ id: "acc/6 ü?#", version: 1, data: { owner: "x" } }]);
        expect(await store.get(r, view, "acc/6 ü?#")).toEqual({ id: "acc/6 ü?#", version: 1, data: { owner: "x" } });
        expect(await store.get(r, view, "missing")).toBeUndefined();
      });

      it("never lets an older or equal version overwrite a newer one", async () => {
        const r = realm();
        expect(await store.write(r, view, [{ id: "d", version: 2, data: { n: 2 } }])).toEqual(["d"]);
        expect(await store.write(r, view, [{ id: "d", version: 1, data: { n: 1 } }])).toEqual([]);
        expect(await store.write(r, view, [{ id: "d", version: 2, data: { n: 99 } }])).toEqual([]);
        expect(await store.get(r, view, "d")).toEqual({ id: "d", version: 2, data: { n: 2 } });
        expect(await store.write(r, view, [{ id: "d", version: 3, data: { n: 3 } }])).toEqual(["d"]);
        expect((await store.get(r, view, "d"))?.data).toEqual({ n: 3 });
      });

      it("keeps the highest version when one batch names an id twice", async () => {
        const r = realm();
        await store.write(r, view, [
          { id: "d", version: 5, data: { n: 5 } },
          { id: "d", version: 4, data: { n: 4 } },
        ]);
        expect(await store.get(r, view, "d")).toEqual({ id: "d", version: 5, data: { n: 5 } });
      });

      it("ends at the highest version when many writers race", async () => {
        const r = realm();
        const versions = Array.from({ length: 20 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
        await Promise.all(versions.map((version) => store.write(r, view, [{ id: "hot", version, data: { version } }])));
        expect(await store.get(r, view, "hot")).toEqual({ id: "hot", version: 20, data: { version: 20 } });
      });

      it("deletes with a tombstone that older writes cannot resurrect", async () => {
        const r = realm();
        await store.write(r, view, [{ id: "d", version: 3, data: { status: "open" } }]);
        expect(await store.delete(r, view, "d", 5)).toBe(true);
        expect(await store.get(r, view, "d")).toBeUndefined();
        expect((await store.search(r, view, {})).total).toBe(0);
        expect(await store.write(r, view, [{ id: "d", version: 4, data: { status: "open" } }])).toEqual([]);
        expect(await store.read(r, view, ["d", "never"])).toEqual(new Map([["d", { id: "d", version: 5, data: null }]]));
        expect(await store.write(r, view, [{ id: "d", version: 6, data: { status: "again" } }])).toEqual(["d"]);
        expect((await store.get(r, view, "d"))?.data).toEqual({ status: "again" });
      });

      it("keeps realms and views apart", async () => {
        const [r1, r2] = [realm(), realm()];
        await store.write(r1, view, [{ id: "d", version: 1, data: { a: 1 } }]);
        expect(await store.get(r2, view, "d")).toBeUndefined();
        expect(await store.get(r1, "accounts.other", "d")).toBeUndefined();
        expect((await store.search(r2, view, {})).total).toBe(0);
      });

      it("refuses a malformed view name", async () => {
        await expect(store.get(realm(), "Bad View", "d")).rejects.toThrow(/view name/);
      });

      it("counts and pages through more documents than the largest page", async () => {
        const r = realm();
        const writes = Array.from({ length: 1050 }, (_, i) => ({ id: `d${String(i).padStart(4, "0")}`, version: 1, data: { i } }));
        await store.write(r, view, writes);
        const page = await store.search(r, view, { size: 1000, from: 1000, sort: [{ field: "i" }] });
        expect(page.total).toBe(1050);
        expect(page.items.map((item) => item.data.i)).toEqual(Array.from({ length: 50 }, (_, i) => 1000 + i));
      });
    });

    describe("shadow generations", () => {
      it("fills a shadow unseen, then swaps it in atomically and drops the old generation", async () => {
        const r = realm();
        await store.write(r, view, [{ id: "old", version: 9, data: { gen: "old" } }]);
        await store.createShadow(r, view);
        expect(await store.hasShadow(r, view)).toBe(true);
        await store.write(r, view, [{ id: "new", version: 1, data: { gen: "new" } }], "shadow");
        expect(await store.read(r, view, ["new"], "shadow")).toEqual(new Map([["new", { id: "new", version: 1, data: { gen: "new" } }]]));
        expect((await store.search(r, view, {})).items.map((item) => item.id)).toEqual(["old"]);
        await store.swapShadow(r, view);
        expect(await store.hasShadow(r, view)).toBe(false);
        expect((await store.search(r, view, {})).items.map((item) => item.id)).toEqual(["new"]);
        expect(await store.get(r, view, "old")).toBeUndefined();
        await store.write(r, view, [{ id: "later", version: 1, data: { gen: "live" } }]);
        expect((await store.search(r, view, {})).total).toBe(2);
      });

      it("starts every shadow empty and refuses shadow writes without one", async () => {
        const r = realm();
        await expect(store.write(r, view, [{ id: "x", version: 1, data: {} }], "shadow")).rejects.toThrow(MissingShadowError);
        await store.createShadow(r, view);
        await store.write(r, view, [{ id: "x", version: 1, data: {} }], "shadow");
        await store.createShadow(r, view);
        expect((await store.read(r, view, ["x"], "shadow")).size).toBe(0);
        await store.dropShadow(r, view);
        expect(await store.hasShadow(r, view)).toBe(false);
        await expect(store.swapShadow(r, view)).rejects.toThrow(MissingShadowError);
      });
    });
  });
}
