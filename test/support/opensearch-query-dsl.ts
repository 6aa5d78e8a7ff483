import { isNumeric, type LeafMapping, parseJavaNumber } from "./opensearch-coercion.js";
import { globMatches, type IndexedFields, type IndexMapping, type Json, type Source } from "./opensearch-mapping.js";

/**
 * Evaluates the OpenSearch query DSL the test server receives over each document's indexed
 * fields, with OpenSearch's rules: a query reaches a field through its mapped type, so `term`
 * on a keyword field matches a number by its string form ("5" for 5), on a numeric field parses
 * a numeric string ("5" finds 5) and refuses any other, on a boolean field takes "true"/"false";
 * `range` compares keywords as strings (by UTF-8 bytes) and numbers as numbers; `prefix` and
 * `wildcard` refuse numeric and boolean fields; unmapped fields match nothing; `exists` on an
 * object field looks at its sub-fields; a multi-valued field sorts by its min (asc) or max (desc).
 */
export type { Json, Source };
type Clause = Record<string, Json>;
type Scalar = string | number | boolean;

export interface IndexedDocument {
  readonly source: Source;
  readonly fields: IndexedFields;
}

/** What the evaluator needs from an index: its mapping and how to split a text field into words. */
export interface SearchContext {
  readonly mapping: IndexMapping;
  analyzer(name: string | undefined): (text: string) => string[];
}

/** A malformed or unsupported query: the server answers 400 like OpenSearch would. */
export class DslError extends Error {}

export function matchesQuery(doc: IndexedDocument, query: Clause | undefined, context: SearchContext): boolean {
  if (query === undefined) return true;
  const [kind, body] = Object.entries(query)[0] ?? ["match_all", {}];
  const spec = body as Record<string, Json>;
  switch (kind) {
    case "match_all":
      return true;
    case "bool":
      return matchesBool(doc, spec, context);
    case "exists":
      return exists(doc, String(spec.field), context);
    default:
      return matchesLeaf(doc, kind, spec, context);
  }
}

function matchesBool(doc: IndexedDocument, spec: Record<string, Json>, context: SearchContext): boolean {
  const list = (key: string) => (spec[key] === undefined ? [] : ((Array.isArray(spec[key]) ? spec[key] : [spec[key]]) as Clause[]));
  const required = [...list("filter"), ...list("must")];
  if (!required.every((clause) => matchesQuery(doc, clause, context))) return false;
  if (list("must_not").some((clause) => matchesQuery(doc, clause, context))) return false;
  const should = list("should");
  const minimum =
    typeof spec.minimum_should_match === "number" ? spec.minimum_should_match : required.length === 0 && should.length > 0 ? 1 : 0;
  return should.filter((clause) => matchesQuery(doc, clause, context)).length >= minimum;
}

function exists(doc: IndexedDocument, field: string, context: SearchContext): boolean {
  const mapping = context.mapping.fields.get(field);
  if (mapping === undefined) return false;
  if (mapping.kind === "leaf") return (doc.fields.get(field)?.length ?? 0) > 0;
  return [...doc.fields.entries()].some(([path, values]) => path.startsWith(`${field}.`) && values.length > 0);
}

function matchesLeaf(doc: IndexedDocument, kind: string, spec: Record<string, Json>, context: SearchContext): boolean {
  const [field, condition] = Object.entries(spec)[0] as [string, Json];
  const mapping = context.mapping.fields.get(field);
  if (!["term", "terms", "range", "prefix", "wildcard", "match"].includes(kind))
    throw new DslError(`query type ${kind} is not implemented by the test server`);
  if (mapping === undefined) return false; // an unmapped field matches nothing
  if (mapping.kind === "object") return false;
  const indexed = doc.fields.get(field) ?? [];
  // A text field holds the words its analyzer made, which is what term-level queries compare with.
  const values = mapping.type === "text" ? indexed.flatMap((value) => context.analyzer(mapping.analyzer)(String(value))) : indexed;
  const operand = (c: Json) => (typeof c === "object" && c !== null && !Array.isArray(c) ? (c.value ?? c.query) : c) as Json;
  switch (kind) {
    case "term":
      return matchesTerm(values, mapping, field, operand(condition));
    case "terms":
      return (condition as Json[]).some((value) => matchesTerm(values, mapping, field, value));
    case "range":
      return values.some((value) => inRange(value, mapping, field, condition as Record<string, Json>));
    case "prefix":
    case "wildcard": {
      const terms = stringTerms(values, mapping, field, kind);
      const wanted = String(operand(condition));
      const pattern = kind === "wildcard" ? wildcardRegExp(wanted) : undefined;
      return terms.some((term) => (pattern === undefined ? term.startsWith(wanted) : pattern.test(term)));
    }
    default:
      return matchesText(values, mapping, field, condition, context);
  }
}

function matchesTerm(values: readonly Scalar[], mapping: LeafMapping, field: string, value: Json): boolean {
  const wanted = queryValue(mapping, field, value);
  return wanted !== undefined && values.includes(wanted);
}

/** A query value as the field's type reads it; undefined when it can match nothing (5.5 on a long). */
function queryValue(mapping: LeafMapping, field: string, value: Json): Scalar | undefined {
  if (value === null || typeof value === "object") throw new DslError(`[${field}] a query value must be a scalar`);
  if (mapping.type === "keyword" || mapping.type === "text") return String(value);
  if (mapping.type === "boolean") {
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    throw new DslError(`Can't parse boolean value [${String(value)}], expected [true] or [false]`);
  }
  const number = typeof value === "number" ? value : typeof value === "string" ? parseJavaNumber(value) : undefined;
  if (number === undefined) throw new DslError(`failed to create query: For input string: "${String(value)}" (field [${field}])`);
  if (mapping.type === "double") return number;
  if (mapping.type === "float") return Math.fround(number);
  return Number.isInteger(number) ? number : undefined;
}

function inRange(value: Scalar, mapping: LeafMapping, field: string, bounds: Record<string, Json>): boolean {
  if (mapping.type === "text") throw new DslError(`range queries on text field [${field}] are not implemented by the test server`);
  const checks: [string, (c: number) => boolean][] = [
    ["gt", (c) => c > 0],
    ["gte", (c) => c >= 0],
    ["lt", (c) => c < 0],
    ["lte", (c) => c <= 0],
  ];
  return checks.every(([key, accept]) => {
    const bound = bounds[key];
    if (bound === undefined) return true;
    const converted = mapping.type === "keyword" ? String(bound) : isNumeric(mapping.type) ? numericBound(bound, field) : bound;
    if (typeof converted !== "string" && typeof converted !== "number" && typeof converted !== "boolean")
      throw new DslError(`[${field}] a range bound must be a scalar`);
    return accept(compareValues(value, converted));
  });
}

function numericBound(bound: Json, field: string): number {
  const number = typeof bound === "number" ? bound : typeof bound === "string" ? parseJavaNumber(bound) : undefined;
  if (number === undefined) throw new DslError(`failed to create query: For input string: "${String(bound)}" (field [${field}])`);
  return number;
}

/** The terms `prefix` and `wildcard` see: keyword values, or the words of a text field; other types are refused. */
function stringTerms(values: readonly Scalar[], mapping: LeafMapping, field: string, kind: string): string[] {
  if (mapping.type === "keyword" || mapping.type === "text") return values.map(String);
  throw new DslError(`Can only use ${kind} queries on keyword and text fields - not on [${field}] which is of type [${mapping.type}]`);
}

function matchesText(values: readonly Scalar[], mapping: LeafMapping, field: string, condition: Json, context: SearchContext): boolean {
  const { query, operator } = (
    typeof condition === "object" && condition !== null && !Array.isArray(condition) ? condition : { query: condition }
  ) as { query: Json; operator?: string };
  if (mapping.type !== "text") return matchesTerm(values, mapping, field, query);
  const words = new Set(values.map(String));
  const wanted = context.analyzer(mapping.analyzer)(String(query));
  return operator === "and" ? wanted.every((word) => words.has(word)) : wanted.some((word) => words.has(word));
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

/** Numbers numerically, keywords by UTF-8 bytes (Lucene's order, which is code point order), false before true. */
export function compareValues(a: Scalar, b: Scalar): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return Buffer.compare(Buffer.from(String(a), "utf8"), Buffer.from(String(b), "utf8"));
}

interface SortSpec {
  readonly field: string;
  readonly order: "asc" | "desc";
  readonly missingFirst: boolean;
  readonly unmappedType?: string;
}

function sortSpecs(sort: Json | undefined): SortSpec[] {
  const list = sort === undefined ? [] : Array.isArray(sort) ? sort : [sort];
  return list.map((entry) => {
    if (typeof entry === "string") return { field: entry, order: "asc", missingFirst: false };
    const [field, options] = Object.entries(entry as Record<string, Json>)[0] as [string, Json];
    const spec = (typeof options === "string" ? { order: options } : options) as {
      order?: string;
      missing?: string;
      unmapped_type?: string;
    };
    return {
      field,
      order: spec.order === "desc" ? "desc" : "asc",
      missingFirst: spec.missing === "_first",
      ...(spec.unmapped_type === undefined ? {} : { unmappedType: spec.unmapped_type }),
    };
  });
}

/** Sorts hits as OpenSearch does: by each field's indexed values (min ascending, max descending), missing values last. */
export function sortHits<T extends IndexedDocument>(hits: T[], sort: Json | undefined, context: SearchContext): T[] {
  const specs = sortSpecs(sort);
  for (const spec of specs) {
    const mapping = context.mapping.fields.get(spec.field);
    if (mapping === undefined && spec.unmappedType === undefined)
      throw new DslError(`No mapping found for [${spec.field}] in order to sort on`);
    if (mapping?.kind === "object") throw new DslError(`sort on object field [${spec.field}]`);
    if (mapping?.type === "text") throw new DslError(`Text fields are not optimised for sorting: [${spec.field}] needs fielddata`);
  }
  const key = (doc: IndexedDocument, spec: SortSpec): Scalar | undefined => {
    const values = doc.fields.get(spec.field) ?? [];
    if (values.length === 0) return undefined;
    return values.reduce((best, value) =>
      (spec.order === "asc" ? compareValues(value, best) < 0 : compareValues(value, best) > 0) ? value : best,
    );
  };
  return [...hits].sort((a, b) => {
    for (const spec of specs) {
      const [x, y] = [key(a, spec), key(b, spec)];
      if (x === undefined || y === undefined) {
        if (x !== y) return (x === undefined) === spec.missingFirst ? -1 : 1;
        continue;
      }
      const comparison = compareValues(x, y);
      if (comparison !== 0) return spec.order === "desc" ? -comparison : comparison;
    }
    return 0;
  });
}

/** Leaves out the `_source` paths the mapping excludes (a pattern names a path and everything under it). */
export function excludeSource(source: Source, patterns: readonly string[], prefix = ""): Source {
  if (patterns.length === 0) return source;
  const kept: Source = {};
  for (const [key, value] of Object.entries(source)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (patterns.some((pattern) => globMatches(pattern, path))) continue;
    kept[key] =
      typeof value === "object" && value !== null && !Array.isArray(value) ? excludeSource(value as Source, patterns, path) : value;
  }
  return kept;
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
