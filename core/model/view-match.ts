import {
  classifyFilter,
  type RangeValue,
  type ViewFilter,
  type ViewScalar,
  type ViewSort,
  valueAt,
  wildcardParts,
  wordsOf,
} from "./view-query.js";

/**
 * The reference semantics of the view query language, evaluated in memory. The memory view store
 * uses it directly; the contract suite checks the other stores give the same answers.
 */
export function matchesFilter(data: Readonly<Record<string, unknown>>, filter: ViewFilter | undefined): boolean {
  if (filter === undefined) return true;
  const node = classifyFilter(filter);
  switch (node.kind) {
    case "and":
      return node.filters.every((child) => matchesFilter(data, child));
    case "or":
      return node.filters.some((child) => matchesFilter(data, child));
    case "not":
      return !matchesFilter(data, node.filter);
    case "exists":
      return valuesAt(data, node.field).length > 0 === node.exists;
    case "match": {
      const words = new Set(valuesAt(data, node.field).flatMap((value) => (typeof value === "string" ? wordsOf(value) : [])));
      return wordsOf(node.text).every((word) => words.has(word));
    }
    default:
      return valuesAt(data, node.field).some((value) => leafMatches(node, value));
  }
}

type Leaf = Exclude<ReturnType<typeof classifyFilter>, { kind: "and" | "or" | "not" | "exists" | "match" }>;

function leafMatches(node: Leaf, value: unknown): boolean {
  switch (node.kind) {
    case "eq":
      return sameScalar(value, node.value);
    case "in":
      return node.values.some((candidate) => sameScalar(value, candidate));
    case "prefix":
      return typeof value === "string" && value.startsWith(node.prefix);
    case "wildcard":
      return typeof value === "string" && wildcardMatches(node.pattern, value);
    case "range":
      return (
        inBound(value, node.gt, (c) => c > 0) &&
        inBound(value, node.gte, (c) => c >= 0) &&
        inBound(value, node.lt, (c) => c < 0) &&
        inBound(value, node.lte, (c) => c <= 0)
      );
  }
}

/** Non-null values at a path; an array contributes its elements (any element may match). */
function valuesAt(data: unknown, field: string): unknown[] {
  const value = valueAt(data, field.split("."));
  const values = Array.isArray(value) ? value : [value];
  return values.filter((item) => item !== undefined && item !== null);
}

function sameScalar(value: unknown, expected: ViewScalar): boolean {
  return typeof value === typeof expected && value === expected;
}

function inBound(value: unknown, bound: RangeValue | undefined, accept: (comparison: number) => boolean): boolean {
  if (bound === undefined) return true;
  if (typeof value !== typeof bound) return false;
  return accept(compareScalars(value as RangeValue, bound));
}

/**
 * Whole-string wildcard match over code points, without a regular expression: backtracking only
 * to the last `*`, so it takes at most pattern × text steps however the pattern is built.
 */
function wildcardMatches(pattern: string, value: string): boolean {
  const tokens = wildcardParts(pattern).flatMap((part): (string | "many" | "one")[] =>
    "literal" in part ? Array.from(part.literal, (char) => `=${char}`) : [part.any],
  );
  const text = Array.from(value);
  let t = 0;
  let p = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    const token = tokens[p];
    if (token === "one" || (token !== undefined && token !== "many" && token.slice(1) === text[t])) {
      t++;
      p++;
    } else if (token === "many") {
      star = p++;
      resume = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (tokens[p] === "many") p++;
  return p === tokens.length;
}

/** Numbers numerically, strings by code point (as Postgres jsonpath and OpenSearch keywords do). */
export function compareScalars(a: RangeValue, b: RangeValue): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Orders documents by the sort keys, missing (or non-scalar) values last in either direction,
 * numbers before strings, then by id ascending so pages are stable.
 */
export function compareForSort(sort: readonly ViewSort[]) {
  return (a: { id: string; data: unknown }, b: { id: string; data: unknown }): number => {
    for (const key of sort) {
      const [x, y] = [sortValue(a.data, key.field), sortValue(b.data, key.field)];
      if (x === undefined || y === undefined) {
        if (x !== y) return x === undefined ? 1 : -1;
        continue;
      }
      if (typeof x !== typeof y) return typeof x === "number" ? -1 : 1;
      const comparison = compareScalars(x, y);
      if (comparison !== 0) return key.order === "desc" ? -comparison : comparison;
    }
    return compareScalars(a.id, b.id);
  };
}

function sortValue(data: unknown, field: string): RangeValue | undefined {
  const value = valueAt(data, field.split("."));
  return typeof value === "number" || typeof value === "string" ? value : undefined;
}
