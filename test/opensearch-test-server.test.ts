import { Client } from "@opensearch-project/opensearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenSearchTestServer, startOpenSearchTestServer } from "./support/opensearch-server.js";

/**
 * The loopback test server must behave as OpenSearch does where the view store's answers depend
 * on it, or the view-store contract could pass against it and fail on a cluster. Each case is a
 * documented OpenSearch rule: field types fixed by the first value (dynamic mapping), coercion at
 * indexing (mapping parameter `coerce`; boolean fields take "true", "false" and ""), queries
 * reading a field through its type (term-level queries on keyword, numeric and boolean fields),
 * and refusals (mapper_parsing_exception, prefix on numbers, sort on unmapped fields).
 */
describe("OpenSearch test server: types, coercion and refusals as OpenSearch has them", () => {
  let server: OpenSearchTestServer;
  let client: Client;
  let indices = 0;

  beforeAll(async () => {
    server = await startOpenSearchTestServer();
    client = new Client({ node: server.url });
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  /** A fresh index with `body`, its documents indexed in order; returns the index and the bulk items. */
  async function indexed(docs: Record<string, unknown>[], body: Record<string, unknown> = {}) {
    const index = `t${++indices}`;
    await client.indices.create({ index, body });
    const lines = docs.flatMap((doc, i) => [{ index: { _index: index, _id: `d${i}`, version: 1, version_type: "external" } }, doc]);
    const response = await client.bulk({ body: lines });
    const items = (response.body.items as { index: { status: number; error?: { type: string } } }[]).map((item) => item.index);
    return { index, items };
  }

  async function ids(index: string, body: Record<string, unknown>): Promise<string[]> {
    const response = await client.search({ index, body: body as never });
    return response.body.hits.hits.map((hit) => hit._id as string);
  }

  async function status(index: string, body: Record<string, unknown>): Promise<number> {
    const response = await client.search({ index, body: body as never }, { ignore: [400] });
    return response.statusCode ?? 0;
  }

  const keywordTemplate = { dynamic_templates: [{ s: { match_mapping_type: "string", mapping: { type: "keyword" } } }] };

  it("a keyword field indexes numbers and booleans by their text, and term matches either form", async () => {
    const { index, items } = await indexed([{ v: "5" }, { v: 5 }, { v: true }, { v: "true" }], { mappings: keywordTemplate });
    expect(items.map((item) => item.status)).toEqual([201, 201, 201, 201]);
    expect(await ids(index, { query: { term: { v: 5 } } })).toEqual(["d0", "d1"]);
    expect(await ids(index, { query: { term: { v: "5" } } })).toEqual(["d0", "d1"]);
    expect(await ids(index, { query: { term: { v: true } } })).toEqual(["d2", "d3"]);
    expect(await ids(index, { query: { range: { v: { gte: 10 } } } })).toEqual(["d0", "d1", "d2", "d3"]); // "5" and "true" ≥ "10" as strings
  });

  it("a numeric field coerces numeric strings, refuses other strings and booleans, and parses numeric query strings", async () => {
    const { index, items } = await indexed([{ n: 10 }, { n: "10" }, { n: "abc" }, { n: true }, { n: 10.9 }]);
    expect(items.map((item) => item.status)).toEqual([201, 201, 400, 400, 201]);
    expect(items[2]?.error?.type).toBe("mapper_parsing_exception");
    expect(await ids(index, { query: { term: { n: 10 } } })).toEqual(["d0", "d1", "d4"]); // a long truncates 10.9
    expect(await ids(index, { query: { term: { n: "10" } } })).toEqual(["d0", "d1", "d4"]);
    expect(await status(index, { query: { term: { n: "abc" } } })).toBe(400);
    expect(await status(index, { query: { prefix: { n: "1" } } })).toBe(400);
  });

  it('a boolean field takes true, "true", false, "false" and "" (as false), and refuses numbers', async () => {
    const { index, items } = await indexed([{ b: true }, { b: "true" }, { b: "" }, { b: 1 }]);
    expect(items.map((item) => item.status)).toEqual([201, 201, 201, 400]);
    expect(await ids(index, { query: { term: { b: "true" } } })).toEqual(["d0", "d1"]);
    expect(await ids(index, { query: { term: { b: false } } })).toEqual(["d2"]);
    expect(await status(index, { query: { term: { b: 1 } } })).toBe(400);
  });

  it("a string first maps to text with a keyword sub-field; term on the text field sees words", async () => {
    const { index } = await indexed([{ s: "Hello World" }], {
      settings: {
        analysis: {
          tokenizer: { w: { type: "pattern", pattern: "\\W+" } },
          analyzer: { standard: { tokenizer: "w", filter: ["lowercase"] } },
        },
      },
    });
    expect(await ids(index, { query: { term: { "s.keyword": "Hello World" } } })).toEqual(["d0"]);
    expect(await ids(index, { query: { term: { s: "hello" } } })).toEqual(["d0"]);
    expect(await ids(index, { query: { term: { s: "Hello World" } } })).toEqual([]);
  });

  it("refuses an object where a value was mapped and a value where an object was, and fields past the limit", async () => {
    const { items } = await indexed([{ o: 1 }, { o: { p: 1 } }, { q: { p: 1 } }, { q: 1 }]);
    expect(items.map((item) => item.status)).toEqual([201, 400, 201, 400]);
    const limited = await indexed([{ a: 1, b: 1 }, { c: 1 }], { settings: { "index.mapping.total_fields.limit": 2 } });
    expect(limited.items.map((item) => item.status)).toEqual([201, 400]);
  });

  it("matches nothing on an unmapped field, and sorts on one only with unmapped_type", async () => {
    const { index } = await indexed([{ n: 1 }]);
    expect(await ids(index, { query: { term: { missing: 1 } } })).toEqual([]);
    expect(await status(index, { sort: [{ missing: { order: "asc" } }] })).toBe(400);
    expect(await ids(index, { sort: [{ missing: { order: "asc", unmapped_type: "keyword" } }] })).toEqual(["d0"]);
  });

  it("sorts a multi-valued field by its smallest value ascending and its largest descending", async () => {
    const { index } = await indexed([{ n: [1, 9] }, { n: 5 }]);
    expect(await ids(index, { sort: [{ n: { order: "asc" } }] })).toEqual(["d0", "d1"]);
    expect(await ids(index, { sort: [{ n: { order: "desc" } }] })).toEqual(["d0", "d1"]);
  });

  it("does not index a disabled object and leaves excluded fields out of _source", async () => {
    const { index } = await indexed([{ data: { v: "x", w: { deep: [1, "mixed"] } }, hidden: { k: "v" } }], {
      mappings: { _source: { excludes: ["hidden"] }, properties: { data: { type: "object", enabled: false } } },
    });
    expect(await ids(index, { query: { exists: { field: "data.v" } } })).toEqual([]);
    expect(await ids(index, { query: { term: { "hidden.k.keyword": "v" } } })).toEqual(["d0"]);
    const response = await client.search({ index, body: {} });
    expect(response.body.hits.hits[0]?._source).toEqual({ data: { v: "x", w: { deep: [1, "mixed"] } } });
  });
});
