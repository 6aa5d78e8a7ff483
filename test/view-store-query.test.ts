import { describe, expect, it } from "vitest";
import { parseViewQuery, selectFields, where, wildcardParts, wordsOf } from "../core/model/view-query.js";

describe("view query language", () => {
  it("accepts every node kind, nested", () => {
    const query = {
      filter: where.and(
        where.or(where.eq("status", "open"), where.in("status", ["frozen"])),
        where.not(where.exists("closedAt")),
        where.range("balance", { gte: 0, lt: 100 }),
        where.prefix("owner", "ana"),
        where.wildcard("owner", "*@example.com"),
        where.match("note", "hello world"),
      ),
      sort: [{ field: "balance", order: "desc" as const }],
      from: 20,
      size: 10,
      select: ["owner", "address.city"],
    };
    expect(parseViewQuery(query)).toEqual(query);
  });

  it.each([
    ["an unknown operator", { filter: { field: "a", like: "x" } }],
    ["two operators in one leaf", { filter: { field: "a", eq: 1, prefix: "x" } }],
    ["a range without bounds", { filter: { field: "a" } }],
    ["a range mixing numbers and strings", { filter: { field: "a", gte: 1, lt: "z" } }],
    ["null as a value", { filter: { field: "a", eq: null } }],
    ["an empty and", { filter: { and: [] } }],
    ["a field path with quotes", { filter: { field: "a'b", eq: 1 } }],
    ["a field path through an array index", { filter: { field: "a.0", eq: 1 } }],
    ["a match without words", { filter: { field: "a", match: " -- " } }],
    ["a page over the maximum", { size: 1001 }],
    ["a page past the result window", { from: 9995, size: 10 }],
    ["an unknown top-level key", { limit: 5 }],
  ])("rejects %s", (_label, input) => {
    expect(() => parseViewQuery(input)).toThrow();
  });

  it("splits text into lower-cased words of letters and digits", () => {
    expect(wordsOf("Ana.Silva@Example.com, São-Paulo 2024!")).toEqual(["ana", "silva", "example", "com", "são", "paulo", "2024"]);
  });

  it("reads wildcard escapes", () => {
    expect(wildcardParts("a\\*b*?")).toEqual([{ literal: "a*b" }, { any: "many" }, { any: "one" }]);
  });

  it("selects nested fields", () => {
    expect(selectFields({ a: 1, b: { c: 2, d: 3 }, e: 4 }, ["b.c", "a", "x.y"])).toEqual({ a: 1, b: { c: 2 } });
  });
});
