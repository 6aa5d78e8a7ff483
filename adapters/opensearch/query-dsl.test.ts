import { describe, expect, it } from "vitest";
import { encodeRealm, viewIndexNames } from "./index-names.js";
import { compileFilterDsl, compileSearchBody } from "./query-dsl.js";
import { typedFieldsOf } from "./typed-fields.js";

describe("view query → OpenSearch DSL", () => {
  it("asks the field of the value's JSON type, and full-text the words of the string field", () => {
    expect(compileFilterDsl({ field: "status", eq: "open" })).toEqual({ term: { "typed.string.status": "open" } });
    expect(compileFilterDsl({ field: "status", eq: 5 })).toEqual({ term: { "typed.number.status": 5 } });
    expect(compileFilterDsl({ field: "address.vip", eq: true })).toEqual({ term: { "typed.boolean.address/vip": true } });
    expect(compileFilterDsl({ field: "balance", gte: 1, lt: 5 })).toEqual({ range: { "typed.number.balance": { gte: 1, lt: 5 } } });
    expect(compileFilterDsl({ field: "opened", gte: "2024" })).toEqual({ range: { "typed.string.opened": { gte: "2024" } } });
    expect(compileFilterDsl({ field: "note", match: "e-mail" })).toEqual({
      match: { "typed.string.note.text": { query: "e-mail", operator: "and" } },
    });
    expect(compileFilterDsl({ field: "tags", exists: false })).toEqual({
      bool: { must_not: [{ term: { "typed.present": "tags" } }] },
    });
    expect(compileFilterDsl({ or: [{ field: "a", eq: 1 }] })).toEqual({
      bool: { should: [{ term: { "typed.number.a": 1 } }], minimum_should_match: 1 },
    });
  });

  it("splits an in list by JSON type", () => {
    expect(compileFilterDsl({ field: "s", in: ["a", "b"] })).toEqual({ terms: { "typed.string.s": ["a", "b"] } });
    expect(compileFilterDsl({ field: "s", in: [5, "5", true, 6] })).toEqual({
      bool: {
        should: [{ terms: { "typed.number.s": [5, 6] } }, { terms: { "typed.string.s": ["5"] } }, { terms: { "typed.boolean.s": [true] } }],
        minimum_should_match: 1,
      },
    });
  });

  it("excludes tombstones, counts exactly, sorts numbers before strings, breaks ties by id and selects fields", () => {
    expect(compileSearchBody({ sort: [{ field: "balance", order: "desc" }], select: ["owner"], size: 5 })).toEqual({
      query: { bool: { filter: [{ term: { deleted: false } }] } },
      sort: [
        { "typed.sortNumber.balance": { order: "desc", missing: "_last", unmapped_type: "double" } },
        { "typed.sortString.balance": { order: "desc", missing: "_last", unmapped_type: "keyword" } },
        { id: { order: "asc" } },
      ],
      from: 0,
      size: 5,
      track_total_hits: true,
      _source: ["id", "version", "data.owner"],
    });
  });

  it("refuses a field path that could smuggle in anything else", () => {
    expect(() => compileFilterDsl({ field: "a.*", eq: 1 })).toThrow(/invalid field path/);
  });
});

describe("typed fields of a document", () => {
  it("indexes each value under its JSON type, flattens paths, lists present paths, and sorts only single values", () => {
    expect(
      typedFieldsOf({
        ref: 5,
        code: "5",
        tags: ["a", 1, true, null],
        address: { city: "Lisbon", geo: { lat: 1.5 } },
        empty: [],
        nothing: null,
        nulls: [null],
        items: [{ inner: 1 }],
        "not-a-field": 1,
      }),
    ).toEqual({
      present: ["ref", "code", "tags", "address", "address.city", "address.geo", "address.geo.lat", "items"],
      string: { code: ["5"], tags: ["a"], "address/city": ["Lisbon"] },
      number: { ref: [5], tags: [1], "address/geo/lat": [1.5] },
      boolean: { tags: [true] },
      sortString: { code: "5", "address/city": "Lisbon" },
      sortNumber: { ref: 5, "address/geo/lat": 1.5 },
    });
  });
  it("indexes a key named __proto__ as a field like any other", () => {
    const data = JSON.parse('{"__proto__": "x", "n": 1}') as Record<string, unknown>;
    const fields = typedFieldsOf(data);
    expect(JSON.parse(JSON.stringify(fields))).toMatchObject({ present: ["__proto__", "n"], string: { ["__proto__"]: ["x"] } });
    expect(Object.getPrototypeOf(fields.sortString)).toBeNull();
  });
});

describe("index names", () => {
  it("escapes every realm character OpenSearch would refuse or fold, so realms never collide", () => {
    expect(encodeRealm("acme-1")).toBe("acme-1");
    expect(encodeRealm("Acme")).toBe("_41_cme");
    expect(encodeRealm("a_b")).toBe("a_5f_b");
    expect(encodeRealm("a b/ü")).toBe("a_20_b_2f__fc_");
    expect(viewIndexNames("edd-", "Acme", "accounts.summary")).toMatchObject({
      live: "edd-_41_cme.accounts.summary",
      shadow: "edd-_41_cme.accounts.summary_shadow",
    });
    expect(() => viewIndexNames("edd-", "x", "accounts_summary")).toThrow(/view name/);
  });
});
