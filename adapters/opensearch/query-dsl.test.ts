import { describe, expect, it } from "vitest";
import { encodeRealm, viewIndexNames } from "./index-names.js";
import { compileFilterDsl, compileSearchBody } from "./query-dsl.js";

describe("view query → OpenSearch DSL", () => {
  it("maps leaves onto data.* fields and full-text onto the text sub-field", () => {
    expect(compileFilterDsl({ field: "status", eq: "open" })).toEqual({ term: { "data.status": "open" } });
    expect(compileFilterDsl({ field: "balance", gte: 1, lt: 5 })).toEqual({ range: { "data.balance": { gte: 1, lt: 5 } } });
    expect(compileFilterDsl({ field: "note", match: "e-mail" })).toEqual({
      match: { "data.note.text": { query: "e-mail", operator: "and" } },
    });
    expect(compileFilterDsl({ field: "tags", exists: false })).toEqual({ bool: { must_not: [{ exists: { field: "data.tags" } }] } });
    expect(compileFilterDsl({ or: [{ field: "a", eq: 1 }] })).toEqual({
      bool: { should: [{ term: { "data.a": 1 } }], minimum_should_match: 1 },
    });
  });

  it("excludes tombstones, counts exactly, breaks ties by id and selects fields", () => {
    expect(compileSearchBody({ sort: [{ field: "balance", order: "desc" }], select: ["owner"], size: 5 })).toEqual({
      query: { bool: { filter: [{ term: { deleted: false } }] } },
      sort: [{ "data.balance": { order: "desc", missing: "_last", unmapped_type: "keyword" } }, { id: { order: "asc" } }],
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
