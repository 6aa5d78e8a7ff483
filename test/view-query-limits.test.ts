import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryStore } from "../adapters/memory/index.js";
import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { createEngine, defineService, EddError, type ViewQuery } from "../core/index.js";
import { parseViewQuery } from "edd/ports";
import { matchesFilter } from "../core/model/view-match.js";
import { viewQueryLimits } from "../core/model/view-query.js";
import { createHttpApp } from "../runtimes/http/app.js";
import { queryRequest } from "./support/requests.js";

function nestedNot(depth: number): unknown {
  let filter: unknown = { field: "a", eq: 1 };
  for (let i = 0; i < depth; i++) filter = { not: filter };
  return filter;
}

function invalidQueryOf(run: () => unknown): EddError {
  try {
    run();
  } catch (error) {
    if (error instanceof EddError) return error;
    throw error;
  }
  throw new Error("the query was accepted");
}

const ints = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("finding 12: the view query language has limits", () => {
  it("finding 12: 5,000 nested not answer invalid-query instead of overflowing the stack", () => {
    const error = invalidQueryOf(() => parseViewQuery({ filter: nestedNot(5000) }));
    expect(error.code).toBe("invalid-query");
    expect(error.status).toBe(400);
    expect(JSON.stringify(error.details)).toContain("deep");
  });

  it("finding 12: 40 × in[1000] (past PostgreSQL's parameter limit) is refused", () => {
    const filter = { or: ints(40).map((i) => ({ field: `f${i}`, in: ints(1000) })) };
    expect(invalidQueryOf(() => parseViewQuery({ filter })).code).toBe("invalid-query");
  });

  it("finding 12: 20,000 wildcards are refused", () => {
    const error = invalidQueryOf(() => parseViewQuery({ filter: { field: "a", wildcard: "*a".repeat(10_000) } }));
    expect(error.code).toBe("invalid-query");
    const many = { or: ints(100).map(() => ({ field: "a", wildcard: "*?*?*" })) };
    expect(invalidQueryOf(() => parseViewQuery({ filter: many })).code).toBe("invalid-query");
  });

  it("finding 12: too many nodes are refused, queries within every limit pass", () => {
    const wide = { and: ints(viewQueryLimits.maxNodes).map((i) => ({ field: "a", eq: i })) };
    expect(invalidQueryOf(() => parseViewQuery({ filter: wide })).code).toBe("invalid-query");
    const fits: ViewQuery = {
      filter: {
        and: [
          nestedNot(viewQueryLimits.maxDepth - 2) as never,
          { field: "b", in: ints(viewQueryLimits.maxInValues) },
          { field: "c", wildcard: "*".repeat(viewQueryLimits.maxWildcards) },
        ],
      },
    };
    expect(parseViewQuery(fits)).toEqual(fits);
  });

  it("finding 12: wildcards at the limit match without backtracking blow-up (at most pattern × text steps), with the same answers", () => {
    const pattern = "*a".repeat(viewQueryLimits.maxWildcards / 2);
    const text = "a".repeat(5000);
    expect(matchesFilter({ s: text }, { field: "s", wildcard: pattern })).toBe(true);
    expect(matchesFilter({ s: `${text}b` }, { field: "s", wildcard: pattern })).toBe(false);
    expect(matchesFilter({ s: "x😀y" }, { field: "s", wildcard: "x?y" })).toBe(true);
    expect(matchesFilter({ s: "a*b" }, { field: "s", wildcard: "a\\*b" })).toBe(true);
    expect(matchesFilter({ s: "axb" }, { field: "s", wildcard: "a\\*b" })).toBe(false);
  });

  describe("at the HTTP edge", () => {
    const search = defineService("search", { initialState: () => ({}) })
      .event("Noted", z.object({}), (s) => s)
      // Passes the client's view query through: the store must refuse what is too big.
      .query("Raw", {
        schema: z.object({ query: z.unknown() }),
        handle: ({ query }, { views }) => views.search("docs", query as ViewQuery),
      })
      // Parses part of its input itself, and fails.
      .query("Strict", { schema: z.object({ text: z.string() }), handle: ({ text }) => z.email().parse(text) })
      .build();
    const app = createHttpApp(createEngine({ services: [search], store: new MemoryStore(), views: new MemoryViewStore() }));
    const ask = async (name: string, attributes: Record<string, unknown>) => {
      const response = await app.request("/query", { method: "POST", body: JSON.stringify(queryRequest(name, attributes)) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    it("finding 12: an invalid view query from a handler answers 400 invalid-query, never 500", async () => {
      for (const query of [
        { filter: { field: "a", like: 1 } },
        { filter: { or: ints(40).map((i) => ({ field: `f${i}`, in: ints(1000) })) } },
      ]) {
        const answer = await ask("Raw", { query });
        expect(answer.status).toBe(400);
        expect(answer.body).toMatchObject({ error: { code: "invalid-query" } });
      }
      expect((await ask("Raw", { query: { filter: { field: "a", eq: 1 } } })).status).toBe(200);
    });

    it("finding 12: a query whose handler fails to parse its input answers 400 invalid-query, never 500", async () => {
      const answer = await ask("Strict", { text: "not an email" });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: "invalid-query", details: expect.anything() } });
    });
  });
});
