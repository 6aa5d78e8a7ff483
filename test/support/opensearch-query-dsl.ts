/**
 * Evaluates the OpenSearch query DSL the test server receives, over `_source` documents, with
 * OpenSearch's rules: every field is multi-valued (arrays flatten), `exists` ignores null and [],
 * `bool.should` needs one match unless `minimum_should_match` says otherwise, and a `text`
 * sub-field is searched through the analyzer the index mapping declares for it.
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Source = Record<string, Json>;
type Clause = Record<string, Json>;

/** What the evaluator needs from an index's mapping: how to split a text sub-field into words. */
export interface TextFields {
  /** For `owner.text` returns the words analyser when `text` is a declared text sub-field. */
  analyzerFor(path: string): ((value: string) => string[]) | undefined;
}

export function matchesQuery(source: Source, query: Clause | undefined, fields: TextFields): boolean {
  if (query === undefined) return true;
  const [kind, body] = Object.entries(query)[0] ?? ["match_all", {}];
  const spec = body as Record<string, Json>;
  switch (kind) {
    case "match_all":
      return true;
    case "bool":
      return matchesBool(source, spec, fields);
    case "exists":
      return valuesAt(source, String(spec.field)).length > 0;
    case "match":
      return matchesText(source, spec, fields);
    default:
      return matchesLeaf(source, kind, spec);
  }
}

function matchesBool(source: Source, spec: Record<string, Json>, fields: TextFields): boolean {
  const list = (key: string) => (spec[key] === undefined ? [] : ((Array.isArray(spec[key]) ? spec[key] : [spec[key]]) as Clause[]));
  const required = [...list("filter"), ...list("must")];
  if (!required.every((clause) => matchesQuery(source, clause, fields))) return false;
  if (list("must_not").some((clause) => matchesQuery(source, clause, fields))) return false;
  const should = list("should");
  const minimum =
    typeof spec.minimum_should_match === "number" ? spec.minimum_should_match : required.length === 0 && should.length > 0 ? 1 : 0;
  return should.filter((clause) => matchesQuery(source, clause, fields)).length >= minimum;
}

function matchesText(source: Source, spec: Record<string, Json>, fields: TextFields): boolean {
  const [path, options] = Object.entries(spec)[0] as [string, Json];
  const { query, operator } = (typeof options === "object" && options !== null ? options : { query: options }) as {
    query: string;
    operator?: string;
  };
  const analyze = fields.analyzerFor(path);
  if (analyze === undefined) throw new DslError(`match on ${path}, which is not an analysed text field in this test server`);
  const parent = path.slice(0, path.lastIndexOf("."));
  const words = new Set(valuesAt(source, parent).flatMap((value) => (typeof value === "string" ? analyze(value) : [])));
  const wanted = analyze(query);
  return operator === "and" ? wanted.every((word) => words.has(word)) : wanted.some((word) => words.has(word));
}

function matchesLeaf(source: Source, kind: string, spec: Record<string, Json>): boolean {
  const [path, condition] = Object.entries(spec)[0] as [string, Json];
  const values = valuesAt(source, path);
  const operand = (c: Json) => (typeof c === "object" && c !== null && !Array.isArray(c) ? c.value : c) as Json;
  switch (kind) {
    case "term":
      return values.some((value) => value === operand(condition));
    case "terms":
      return values.some((value) => (condition as Json[]).includes(value));
    case "prefix":
      return values.some((value) => typeof value === "string" && value.startsWith(String(operand(condition))));
    case "wildcard": {
      const pattern = wildcardRegExp(String(operand(condition)));
      return values.some((value) => typeof value === "string" && pattern.test(value));
    }
    case "range":
      return values.some((value) => inRange(value, condition as Record<string, Json>));
    default:
      throw new DslError(`query type ${kind} is not implemented by the test server`);
  }
}

function inRange(value: Json, bounds: Record<string, Json>): boolean {
  const checks: [string, (c: number) => boolean][] = [
    ["gt", (c) => c > 0],
    ["gte", (c) => c >= 0],
    ["lt", (c) => c < 0],
    ["lte", (c) => c <= 0],
  ];
  return checks.every(([key, accept]) => {
    const bound = bounds[key];
    if (bound === undefined) return true;
    if (typeof bound !== typeof value || (typeof value !== "number" && typeof value !== "string")) return false;
    return accept(compare(value, bound as string | number));
  });
}

function wildcardRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === "\\" && i + 1 < pattern.length) source += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    else if (char === "*") source += "[\\s\\S]*";
    else if (char === "?") source += "[\\s\\S]";
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "u");
}

/** Leaf values at a dotted path, flattening arrays at every level, without nulls. */
export function valuesAt(source: Json, path: string): Json[] {
  let current: Json[] = [source];
  for (const key of path.split(".")) {
    current = current.flatMap((value) => (Array.isArray(value) ? value : [value]));
    current = current.flatMap((value) =>
      typeof value === "object" && value !== null && !Array.isArray(value) && key in value ? [value[key] as Json] : [],
    );
  }
  return current.flatMap((value) => (Array.isArray(value) ? value : [value])).filter((value) => value !== null);
}

export function compare(a: string | number, b: string | number): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return a < b ? -1 : a > b ? 1 : 0;
}

type SortSpec = { field: string; order: "asc" | "desc" };

function sortSpecs(sort: Json | undefined): SortSpec[] {
  const list = sort === undefined ? [] : Array.isArray(sort) ? sort : [sort];
  return list.map((entry) => {
    if (typeof entry === "string") return { field: entry, order: "asc" };
    const [field, options] = Object.entries(entry as Record<string, Json>)[0] as [string, Json];
    const order = typeof options === "string" ? options : (options as { order?: string }).order;
    return { field, order: order === "desc" ? "desc" : "asc" };
  });
}

/** OpenSearch sorts a multi-valued field by its min (asc) or max (desc); missing values go last. */
export function sortHits<T extends { source: Source }>(hits: T[], sort: Json | undefined): T[] {
  const specs = sortSpecs(sort);
  const key = (source: Source, spec: SortSpec) => {
    const values = valuesAt(source, spec.field).filter((v): v is string | number => typeof v === "string" || typeof v === "number");
    if (values.length === 0) return undefined;
    return values.reduce((best, value) => ((spec.order === "asc" ? compare(value, best) < 0 : compare(value, best) > 0) ? value : best));
  };
  return [...hits].sort((a, b) => {
    for (const spec of specs) {
      const [x, y] = [key(a.source, spec), key(b.source, spec)];
      if (x === undefined || y === undefined) {
        if (x !== y) return x === undefined ? 1 : -1;
        continue;
      }
      const comparison = compare(x, y);
      if (comparison !== 0) return spec.order === "desc" ? -comparison : comparison;
    }
    return 0;
  });
}

/** Keeps only the `_source` paths asked for, as OpenSearch's source filtering does. */
export function filterSource(source: Source, includes: Json | undefined): Source {
  if (includes === undefined || includes === true) return source;
  const paths = (Array.isArray(includes) ? includes : [includes]) as string[];
  const picked: Source = {};
  for (const path of paths) {
    const keys = path.split(".");
    let from: Json | undefined = source;
    for (const key of keys) from = typeof from === "object" && from !== null && !Array.isArray(from) ? from[key] : undefined;
    if (from === undefined) continue;
    let into: Source = picked;
    for (const key of keys.slice(0, -1)) {
      into[key] ??= {};
      into = into[key] as Source;
    }
    into[keys.at(-1) as string] = from;
  }
  return picked;
}

/** A malformed or unsupported query: the server answers 400 like OpenSearch would. */
export class DslError extends Error {}
