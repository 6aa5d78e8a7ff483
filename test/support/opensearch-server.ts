import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { MappingError } from "./opensearch-coercion.js";
import { IndexMapping, type Json, type Source } from "./opensearch-mapping.js";
import {
  DslError,
  excludeSource,
  filterSource,
  type IndexedDocument,
  matchesQuery,
  type SearchContext,
  sortHits,
} from "./opensearch-query-dsl.js";

/**
 * A small OpenSearch on loopback for tests: the REST calls the view store makes (index create /
 * delete, aliases, `_bulk` with external versions, `_mget`, `_search`, `_mapping`), with
 * OpenSearch's status codes and response shapes, so the adapter is exercised through the real
 * client. Documents are indexed through their mapping as OpenSearch indexes them (dynamic
 * mapping, coercion, refusals: `opensearch-mapping.ts`) and queries read the indexed values.
 */
interface StoredDoc extends IndexedDocument {
  readonly version: number;
}

interface Index {
  readonly mapping: IndexMapping;
  readonly context: SearchContext;
  readonly docs: Map<string, StoredDoc>;
  readonly aliases: Set<string>;
}

type Reply = { status: number; body?: unknown };

export interface OpenSearchTestServer {
  readonly url: string;
  /** Every request as `METHOD /path`, for tests that check which calls were made. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startOpenSearchTestServer(): Promise<OpenSearchTestServer> {
  const indices = new Map<string, Index>();
  const requests: string[] = [];

  const error = (status: number, type: string, reason: string): Reply => ({ status, body: { error: { type, reason }, status } });
  const resolve = (name: string): string[] =>
    indices.has(name) ? [name] : [...indices.entries()].filter(([, index]) => index.aliases.has(name)).map(([indexName]) => indexName);
  const single = (name: string): [string, Index] | Reply => {
    const [target, ...more] = resolve(name);
    if (target === undefined) return error(404, "index_not_found_exception", `no such index [${name}]`);
    if (more.length > 0) return error(400, "illegal_argument_exception", `alias [${name}] has more than one index`);
    return [target, indices.get(target) as Index];
  };

  function createIndex(name: string, body: Record<string, Json>): Reply {
    if (resolve(name).length > 0) return error(400, "resource_already_exists_exception", `index [${name}] already exists`);
    const aliases = new Set(Object.keys((body.aliases ?? {}) as Record<string, Json>));
    const settings = (body.settings ?? {}) as Record<string, Json>;
    const mapping = new IndexMapping((body.mappings ?? {}) as Record<string, Json>, settings);
    indices.set(name, { mapping, context: { mapping, analyzer: analyzers(settings) }, docs: new Map(), aliases });
    return { status: 200, body: { acknowledged: true, shards_acknowledged: true, index: name } };
  }

  function updateAliases(body: { actions?: Record<string, { index: string; alias: string }>[] }): Reply {
    const actions = (body.actions ?? []).map((action) => Object.entries(action)[0] as [string, { index: string; alias: string }]);
    for (const [, target] of actions)
      if (!indices.has(target.index)) return error(404, "index_not_found_exception", `no such index [${target.index}]`);
    // Validated first, applied together: readers never see a half-swapped alias.
    for (const [kind, target] of actions) {
      const aliases = (indices.get(target.index) as Index).aliases;
      if (kind === "add") aliases.add(target.alias);
      else aliases.delete(target.alias);
    }
    return { status: 200, body: { acknowledged: true } };
  }

  function bulk(lines: Record<string, Json>[], defaultIndex: string | undefined): Reply {
    // As OpenSearch validates a bulk request: one bad id refuses the whole request.
    for (let i = 0; i < lines.length; i += 2) {
      const meta = Object.values(lines[i] as Record<string, Json>)[0] as Record<string, Json>;
      const id = meta._id === undefined ? undefined : String(meta._id);
      if (id === "")
        return error(400, "action_request_validation_exception", "Validation Failed: 1: if _id is specified it must not be empty;");
      if (id !== undefined && Buffer.byteLength(id) > 512) {
        const reason = `Validation Failed: 1: id [${id}] is too long, must be no longer than 512 bytes but was: ${Buffer.byteLength(id)};`;
        return error(400, "action_request_validation_exception", reason);
      }
    }
    const items: unknown[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const [action, meta] = Object.entries(lines[i] as Record<string, Json>)[0] as [string, Record<string, Json>];
      if (action !== "index") throw new DslError(`bulk action ${action} is not implemented by the test server`);
      const id = String(meta._id);
      const target = single(String(meta._index ?? defaultIndex));
      if (!Array.isArray(target)) {
        items.push({ index: { _id: id, status: target.status, error: (target.body as { error: unknown }).error } });
        continue;
      }
      const [name, index] = target;
      const version = Number(meta.version);
      if (meta.version_type !== "external" || !Number.isInteger(version))
        throw new DslError("the test server only indexes with external versions");
      const stored = index.docs.get(id);
      if (stored !== undefined && stored.version >= version) {
        const reason = `[${id}]: version conflict, current version [${stored.version}] is higher or equal to the one provided [${version}]`;
        items.push({ index: { _index: name, _id: id, status: 409, error: { type: "version_conflict_engine_exception", reason } } });
        continue;
      }
      const source = structuredClone(lines[i + 1] as Source);
      let fields: IndexedDocument["fields"];
      try {
        fields = index.mapping.index(source);
      } catch (refusal) {
        if (!(refusal instanceof MappingError)) throw refusal;
        items.push({ index: { _index: name, _id: id, status: 400, error: { type: refusal.type, reason: refusal.message } } });
        continue;
      }
      index.docs.set(id, { source, fields, version });
      items.push({
        index: { _index: name, _id: id, _version: version, result: stored ? "updated" : "created", status: stored ? 200 : 201 },
      });
    }
    return {
      status: 200,
      body: { took: 0, errors: items.some((item) => (item as { index: { status: number } }).index.status >= 300), items },
    };
  }

  function search(name: string, body: Record<string, Json>): Reply {
    const target = single(name);
    if (!Array.isArray(target)) return target;
    const [indexName, index] = target;
    const hits = [...index.docs.entries()]
      .filter(([, doc]) => matchesQuery(doc, body.query as Record<string, Json> | undefined, index.context))
      .map(([id, doc]) => ({ id, ...doc }));
    const sorted = sortHits(hits, body.sort, index.context);
    const from = Number(body.from ?? 0);
    const size = Number(body.size ?? 10);
    const page = sorted.slice(from, from + size).map((hit) => ({
      _index: indexName,
      _id: hit.id,
      _score: null,
      _source: filterSource(excludeSource(hit.source, index.mapping.sourceExcludes), body._source),
    }));
    return {
      status: 200,
      body: { took: 0, timed_out: false, hits: { total: { value: hits.length, relation: "eq" }, max_score: null, hits: page } },
    };
  }

  function mget(name: string, body: { ids?: string[] }): Reply {
    const target = single(name);
    if (!Array.isArray(target)) return target;
    const [indexName, index] = target;
    const docs = (body.ids ?? []).map((id) => {
      const doc = index.docs.get(id);
      return doc === undefined
        ? { _index: indexName, _id: id, found: false }
        : {
            _index: indexName,
            _id: id,
            _version: doc.version,
            found: true,
            _source: excludeSource(doc.source, index.mapping.sourceExcludes),
          };
    });
    return { status: 200, body: { docs } };
  }

  function route(method: string, segments: string[], body: string): Reply {
    const [first, second] = segments;
    const json = () => (body === "" ? {} : (JSON.parse(body) as Record<string, Json>));
    if (method === "POST" && first === "_bulk") return bulk(ndjson(body), undefined);
    if (method === "POST" && first === "_aliases") return updateAliases(json() as never);
    if (first === "_alias" && second !== undefined && (method === "GET" || method === "HEAD")) {
      const owners = [...indices.entries()].filter(([, index]) => index.aliases.has(second));
      if (owners.length === 0) return error(404, "alias_missing", `alias [${second}] missing`);
      return { status: 200, body: Object.fromEntries(owners.map(([name]) => [name, { aliases: { [second]: {} } }])) };
    }
    if (first === undefined || first.startsWith("_"))
      return error(400, "invalid_request", `${method} /${segments.join("/")} is not implemented by the test server`);
    if (second === undefined) {
      if (method === "PUT") return createIndex(first, json());
      if (method === "HEAD" || method === "GET")
        return resolve(first).length > 0 ? { status: 200, body: {} } : error(404, "index_not_found_exception", first);
      if (method === "DELETE") {
        if (!indices.delete(first)) return error(404, "index_not_found_exception", `no such index [${first}]`);
        return { status: 200, body: { acknowledged: true } };
      }
    }
    if (second === "_bulk" && method === "POST") return bulk(ndjson(body), first);
    if (second === "_mget") return mget(first, json() as never);
    if (second === "_mapping" && method === "GET") {
      const target = single(first);
      if (!Array.isArray(target)) return target;
      return { status: 200, body: { [target[0]]: { mappings: target[1].mapping.toJson() } } };
    }
    if (second === "_search") return search(first, json());
    if (second === "_refresh") return { status: 200, body: { _shards: { total: 1, successful: 1, failed: 0 } } };
    return error(400, "invalid_request", `${method} /${segments.join("/")} is not implemented by the test server`);
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    requests.push(`${req.method} ${url.pathname}`);
    let reply: Reply;
    try {
      reply = route(req.method ?? "GET", segments, await readBody(req));
    } catch (failure) {
      reply =
        failure instanceof DslError || failure instanceof SyntaxError
          ? error(400, "search_phase_execution_exception", failure.message)
          : error(500, "exception", String(failure));
    }
    res.writeHead(reply.status, { "content-type": "application/json" });
    res.end(req.method === "HEAD" || reply.body === undefined ? undefined : JSON.stringify(reply.body));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function ndjson(body: string): Record<string, Json>[] {
  return body
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, Json>);
}

/** The analyzers an index's settings declare (pattern tokenizers with an optional lowercase filter), by name. */
function analyzers(settings: Record<string, Json>): SearchContext["analyzer"] {
  const analysis = ((settings as { analysis?: Record<string, Record<string, Record<string, Json>>> }).analysis ?? {}) as Record<
    string,
    Record<string, Record<string, Json>>
  >;
  return (name) => {
    const analyzer = analysis.analyzer?.[name ?? "standard"] as { tokenizer?: string; filter?: string[] } | undefined;
    const tokenizer = analysis.tokenizer?.[analyzer?.tokenizer ?? ""] as { type?: string; pattern?: string } | undefined;
    if (tokenizer?.type !== "pattern" || tokenizer.pattern === undefined)
      throw new DslError(
        `the test server supports only pattern-tokenizer analyzers declared in the index settings (${name ?? "standard"})`,
      );
    const split = new RegExp(tokenizer.pattern, "u");
    const lower = analyzer?.filter?.includes("lowercase") ?? false;
    return (value) => (lower ? value.toLowerCase() : value).split(split).filter((word) => word.length > 0);
  };
}
