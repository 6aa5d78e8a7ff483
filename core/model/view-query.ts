import * as z from "zod";
import { describeIssues } from "./envelope.js";
import { EddError } from "./errors.js";
import { safeParseFirstJitless } from "./first-parse.js";

/**
 * The one query language every view store understands. A query is plain JSON, so it can travel
 * in a query's attributes; each store compiles it (memory: evaluated, Postgres: parameterised SQL,
 * OpenSearch: query DSL) and the shared contract suite holds them to the same answers.
 */

/** A dotted path into a view document's data, e.g. `owner` or `address.city`: object keys only. */
export const fieldPathPattern = /^[A-Za-z_][A-Za-z0-9_]{0,63}(?:\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,7}$/;
/** Largest page a search returns; deeper results need a narrower filter, not a bigger page. */
export const maxPageSize = 1000;
/** Deepest result a search reaches (`from + size`): OpenSearch's default result window. */
export const maxResultWindow = 10_000;
export const defaultPageSize = 20;

/**
 * What one query may ask of a store, whoever wrote it. Each bound keeps a cost in check: nodes
 * and depth the recursion of every compiler, `in` values PostgreSQL's 65,535 parameters (two
 * each), wildcards the backtracking of pattern matching.
 */
export const viewQueryLimits = {
  /** Filter nodes (leaves and and/or/not) in one query. */
  maxNodes: 100,
  /** Nesting of filter nodes, the leaf included. */
  maxDepth: 16,
  /** Values of every `in` of a query together. */
  maxInValues: 1000,
  /** `*` and `?` of every wildcard of a query together. */
  maxWildcards: 32,
} as const;

export type FieldPath = string;
/** Values are compared with their JSON type: 5 never equals "5". */
export type ViewScalar = string | number | boolean;
export type RangeValue = string | number;

/**
 * A filter node. Leaves name one field; a leaf on an array field matches when any element does.
 * `match` is full-text: every word of the query (runs of letters and digits, case-insensitive)
 * must occur among the field's words. `wildcard` matches the whole string, `*` any run, `?` one
 * character, `\` escapes the next character.
 */
export type ViewFilter =
  | { readonly field: FieldPath; readonly eq: ViewScalar }
  | { readonly field: FieldPath; readonly in: readonly ViewScalar[] }
  | { readonly field: FieldPath; readonly gt?: RangeValue; readonly gte?: RangeValue; readonly lt?: RangeValue; readonly lte?: RangeValue }
  | { readonly field: FieldPath; readonly exists: boolean }
  | { readonly field: FieldPath; readonly prefix: string }
  | { readonly field: FieldPath; readonly wildcard: string }
  | { readonly field: FieldPath; readonly match: string }
  | { readonly and: readonly ViewFilter[] }
  | { readonly or: readonly ViewFilter[] }
  | { readonly not: ViewFilter };

export interface ViewSort {
  readonly field: FieldPath;
  readonly order?: "asc" | "desc";
}

export interface ViewQuery {
  readonly filter?: ViewFilter;
  /** Applied in order; ties are always broken by document id ascending. Missing values sort last. */
  readonly sort?: readonly ViewSort[];
  readonly from?: number;
  readonly size?: number;
  /** Field paths to return in `data`; all fields when omitted. */
  readonly select?: readonly FieldPath[];
}

// Built on first use (z.lazy): a cold start that never searches a view never constructs them.
const parts = memo(() => {
  const field = z.string().regex(fieldPathPattern, "a field path is dotted identifiers, e.g. address.city");
  const scalar = z.union([z.string(), z.number().finite(), z.boolean()]);
  const rangeValue = z.union([z.string(), z.number().finite()]);
  const bound = { gt: rangeValue.optional(), gte: rangeValue.optional(), lt: rangeValue.optional(), lte: rangeValue.optional() };
  const rangeSchema = z
    .strictObject({ field, ...bound })
    .refine((node) => boundsOf(node).length > 0, "a range needs at least one of gt, gte, lt, lte")
    .refine((node) => new Set(boundsOf(node).map((value) => typeof value)).size === 1, "range bounds must all be numbers or all strings");
  return { field, scalar, rangeSchema };
});

export const viewFilterSchema: z.ZodType<ViewFilter> = z.lazy(() => {
  const { field, scalar, rangeSchema } = parts();
  return z.union([
    z.strictObject({ field, eq: scalar }),
    z.strictObject({ field, in: z.array(scalar).min(1).max(maxPageSize) }),
    z.strictObject({ field, exists: z.boolean() }),
    z.strictObject({ field, prefix: z.string().min(1) }),
    z.strictObject({ field, wildcard: z.string().min(1) }),
    z.strictObject({ field, match: z.string().refine((text) => wordsOf(text).length > 0, "match needs at least one word") }),
    rangeSchema,
    z.strictObject({ and: z.array(viewFilterSchema).min(1) }),
    z.strictObject({ or: z.array(viewFilterSchema).min(1) }),
    z.strictObject({ not: viewFilterSchema }),
  ]);
});

const viewQueryShape = () => {
  const { field } = parts();
  return z
    .strictObject({
      filter: viewFilterSchema.optional(),
      sort: z
        .array(z.strictObject({ field, order: z.enum(["asc", "desc"]).optional() }))
        .max(8)
        .optional(),
      from: z.number().int().min(0).optional(),
      size: z.number().int().min(0).max(maxPageSize).optional(),
      select: z.array(field).max(64).optional(),
    })
    .refine(
      (query) => (query.from ?? 0) + (query.size ?? defaultPageSize) <= maxResultWindow,
      `from + size may not exceed ${maxResultWindow}`,
    );
};

/** A view query within `viewQueryLimits`: the bounds are checked before the (recursive) schema runs. */
export const viewQuerySchema: z.ZodType<ViewQuery> = z.lazy(() =>
  z
    .unknown()
    .superRefine((input, context) => {
      const problem = limitProblem(input);
      if (problem !== undefined) context.addIssue({ code: "custom", message: problem.message, path: problem.path });
    })
    .pipe(viewQueryShape()),
);

function memo<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}

/**
 * Validates a query from outside (e.g. a query's attributes). Throws EddError `invalid-query`
 * (400) naming each bad part, so a query that passes a client's view query on answers 400, not 500.
 */
export function parseViewQuery(input: unknown): ViewQuery {
  const parsed = safeParseFirstJitless(viewQuerySchema, input);
  if (parsed.success) return parsed.data;
  const issues = describeIssues(parsed.error);
  const first = issues[0];
  const summary = first === undefined ? "" : `: ${first.path || "the query"}: ${first.message}`;
  throw new EddError("invalid-query", `The view query is invalid${summary}.`, { issues });
}

/**
 * The first bound of `viewQueryLimits` the query's filter breaks, or its first bad field path.
 * Iterative and counting as it goes, so a filter a million nodes wide or deep costs no more
 * than reading it.
 */
function limitProblem(input: unknown): { path: (string | number)[]; message: string } | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const root = (input as { filter?: unknown }).filter;
  if (root === undefined) return undefined;
  const { maxNodes, maxDepth, maxInValues, maxWildcards } = viewQueryLimits;
  const stack: { node: unknown; path: (string | number)[]; depth: number }[] = [{ node: root, path: ["filter"], depth: 1 }];
  let nodes = 0;
  let inValues = 0;
  let wildcards = 0;
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop() as (typeof stack)[number];
    nodes++;
    if (depth > maxDepth) return { path, message: `filters nest at most ${maxDepth} deep` };
    if (typeof node !== "object" || node === null) continue;
    const { and, or, not, in: values, wildcard, field } = node as Record<string, unknown>;
    // Checked here too: inside the schema's union a bad path would only say "Invalid input".
    if (typeof field === "string" && !fieldPathPattern.test(field)) {
      return { path: [...path, "field"], message: "a field path is dotted identifiers, e.g. address.city" };
    }
    const children: { node: unknown; path: (string | number)[] }[] = [];
    if (Array.isArray(and)) children.push(...and.slice(0, maxNodes + 1).map((child, i) => ({ node: child, path: [...path, "and", i] })));
    if (Array.isArray(or)) children.push(...or.slice(0, maxNodes + 1).map((child, i) => ({ node: child, path: [...path, "or", i] })));
    if (not !== undefined) children.push({ node: not, path: [...path, "not"] });
    if (nodes + stack.length + children.length > maxNodes) return { path, message: `a query has at most ${maxNodes} filter nodes` };
    for (const child of children) stack.push({ ...child, depth: depth + 1 });
    if (Array.isArray(values)) inValues += values.length;
    if (inValues > maxInValues)
      return { path: [...path, "in"], message: `the in lists of a query hold at most ${maxInValues} values together` };
    if (typeof wildcard === "string") wildcards += wildcardParts(wildcard).filter((part) => "any" in part).length;
    if (wildcards > maxWildcards) {
      return { path: [...path, "wildcard"], message: `the wildcards of a query hold at most ${maxWildcards} * and ? together` };
    }
  }
  return undefined;
}

export function pageOf(query: ViewQuery): { from: number; size: number } {
  return { from: query.from ?? 0, size: query.size ?? defaultPageSize };
}

export function boundsOf(node: { gt?: RangeValue; gte?: RangeValue; lt?: RangeValue; lte?: RangeValue }): RangeValue[] {
  return [node.gt, node.gte, node.lt, node.lte].filter((value): value is RangeValue => value !== undefined);
}

/** The words `match` compares: lower-cased runs of letters and digits. Every store tokenises this way. */
export function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{Nd}]+/u)
    .filter((word) => word.length > 0);
}

export type WildcardPart = { readonly literal: string } | { readonly any: "many" | "one" };

/** Splits a wildcard pattern into literals and `*`/`?`, honouring `\` escapes, for each store to translate. */
export function wildcardParts(pattern: string): WildcardPart[] {
  const parts: WildcardPart[] = [];
  let literal = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === "\\" && i + 1 < pattern.length) literal += pattern[++i];
    else if (char === "*" || char === "?") {
      if (literal !== "") parts.push({ literal });
      literal = "";
      parts.push({ any: char === "*" ? "many" : "one" });
    } else literal += char;
  }
  if (literal !== "") parts.push({ literal });
  return parts;
}

/** Keeps only the selected paths of a document's data (nested paths keep their nesting). */
export function selectFields(data: Readonly<Record<string, unknown>>, paths: readonly FieldPath[] | undefined): Record<string, unknown> {
  if (paths === undefined) return { ...data };
  const picked: Record<string, unknown> = {};
  for (const path of paths) {
    const keys = path.split(".");
    const value = valueAt(data, keys);
    if (value === undefined) continue;
    let target = picked;
    for (const key of keys.slice(0, -1)) {
      if (typeof target[key] !== "object" || target[key] === null) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[keys.at(-1) as string] = value;
  }
  return picked;
}

/** The value at a path through nested objects; undefined when any step is missing or not an object. */
export function valueAt(data: unknown, keys: readonly string[]): unknown {
  let current = data;
  for (const key of keys) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return undefined;
    current = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current;
}

/** Small constructors so TypeScript callers write `where.eq("status", "open")` instead of object literals. */
export const where = {
  eq: (field: FieldPath, value: ViewScalar): ViewFilter => ({ field, eq: value }),
  in: (field: FieldPath, values: readonly ViewScalar[]): ViewFilter => ({ field, in: values }),
  range: (field: FieldPath, bounds: { gt?: RangeValue; gte?: RangeValue; lt?: RangeValue; lte?: RangeValue }): ViewFilter => ({
    field,
    ...bounds,
  }),
  exists: (field: FieldPath, exists = true): ViewFilter => ({ field, exists }),
  prefix: (field: FieldPath, prefix: string): ViewFilter => ({ field, prefix }),
  wildcard: (field: FieldPath, wildcard: string): ViewFilter => ({ field, wildcard }),
  match: (field: FieldPath, match: string): ViewFilter => ({ field, match }),
  and: (...filters: ViewFilter[]): ViewFilter => ({ and: filters }),
  or: (...filters: ViewFilter[]): ViewFilter => ({ or: filters }),
  not: (filter: ViewFilter): ViewFilter => ({ not: filter }),
};

/** A filter node with an explicit kind, so each compiler can switch over it exhaustively. */
export type FilterNode =
  | { readonly kind: "eq"; readonly field: FieldPath; readonly value: ViewScalar }
  | { readonly kind: "in"; readonly field: FieldPath; readonly values: readonly ViewScalar[] }
  | {
      readonly kind: "range";
      readonly field: FieldPath;
      readonly gt?: RangeValue;
      readonly gte?: RangeValue;
      readonly lt?: RangeValue;
      readonly lte?: RangeValue;
    }
  | { readonly kind: "exists"; readonly field: FieldPath; readonly exists: boolean }
  | { readonly kind: "prefix"; readonly field: FieldPath; readonly prefix: string }
  | { readonly kind: "wildcard"; readonly field: FieldPath; readonly pattern: string }
  | { readonly kind: "match"; readonly field: FieldPath; readonly text: string }
  | { readonly kind: "and"; readonly filters: readonly ViewFilter[] }
  | { readonly kind: "or"; readonly filters: readonly ViewFilter[] }
  | { readonly kind: "not"; readonly filter: ViewFilter };

export function classifyFilter(filter: ViewFilter): FilterNode {
  if ("and" in filter) return { kind: "and", filters: filter.and };
  if ("or" in filter) return { kind: "or", filters: filter.or };
  if ("not" in filter) return { kind: "not", filter: filter.not };
  const { field } = filter;
  if ("eq" in filter) return { kind: "eq", field, value: filter.eq };
  if ("in" in filter) return { kind: "in", field, values: filter.in };
  if ("exists" in filter) return { kind: "exists", field, exists: filter.exists };
  if ("prefix" in filter) return { kind: "prefix", field, prefix: filter.prefix };
  if ("wildcard" in filter) return { kind: "wildcard", field, pattern: filter.wildcard };
  if ("match" in filter) return { kind: "match", field, text: filter.match };
  return { kind: "range", ...filter };
}
