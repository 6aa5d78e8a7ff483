import {
  classifyFilter,
  fieldPathPattern,
  type FilterNode,
  type ViewFilter,
  type ViewScalar,
  type ViewSort,
  wildcardParts,
  wordsOf,
} from "../../core/model/view-query.js";

/**
 * Compiles the view query language to a SQL condition over a `data jsonb` column. Values always
 * travel as parameters; field paths are checked against the strict pattern again here and only
 * ever reach Postgres inside parameters (a text[] path or a jsonpath), never in the SQL text.
 */
export class SqlParameters {
  readonly values: unknown[];

  constructor(initial: readonly unknown[] = []) {
    this.values = [...initial];
  }

  /** Adds a value and returns its placeholder, e.g. `$3`. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  json(value: unknown): string {
    return `${this.add(JSON.stringify(value))}::jsonb`;
  }
}

export function compileFilter(filter: ViewFilter | undefined, params: SqlParameters): string {
  if (filter === undefined) return "TRUE";
  const node = classifyFilter(filter);
  switch (node.kind) {
    case "and":
      return `(${node.filters.map((child) => compileFilter(child, params)).join(" AND ")})`;
    case "or":
      return `(${node.filters.map((child) => compileFilter(child, params)).join(" OR ")})`;
    case "not":
      return `(NOT ${compileFilter(node.filter, params)})`;
    case "eq":
      return containsValue(node.field, node.value, params);
    case "in":
      return `(${node.values.map((value) => containsValue(node.field, value, params)).join(" OR ")})`;
    case "exists": {
      const found = `jsonb_path_exists(data, ${params.add(`${jsonPath(node.field)} ? (@ != null)`)}::jsonpath)`;
      return node.exists ? found : `(NOT ${found})`;
    }
    case "prefix":
      return pathPredicate(node.field, "@ starts with $prefix", { prefix: node.prefix }, params);
    case "range":
      return compileRange(node, params);
    case "wildcard":
      return `EXISTS (SELECT 1 FROM jsonb_path_query(data, ${params.add(jsonPath(node.field))}::jsonpath) AS v(value)
        WHERE jsonb_typeof(v.value) = 'string' AND (v.value #>> '{}') LIKE ${params.add(likePattern(node.pattern))})`;
    case "match":
      return `(SELECT coalesce(array_agg(word), '{}') FROM jsonb_path_query(data, ${params.add(jsonPath(node.field))}::jsonpath) AS v(value),
        regexp_split_to_table(lower(v.value #>> '{}'), '[^[:alnum:]]+') AS word WHERE jsonb_typeof(v.value) = 'string')
        @> ${params.add(wordsOf(node.text))}::text[]`;
  }
}

/**
 * `data @> {"a":{"b":value}}` or `{"a":{"b":[value]}}`: containment is what the GIN index
 * (jsonb_path_ops) answers, and the second form covers arrays holding the value.
 */
function containsValue(field: string, value: ViewScalar, params: SqlParameters): string {
  return `(data @> ${params.json(nest(field, value))} OR data @> ${params.json(nest(field, [value]))})`;
}

function compileRange(node: Extract<FilterNode, { kind: "range" }>, params: SqlParameters): string {
  const operators = { gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;
  const vars: Record<string, string | number> = {};
  const tests: string[] = [];
  for (const key of ["gt", "gte", "lt", "lte"] as const) {
    const bound = node[key];
    if (bound === undefined) continue;
    vars[key] = bound;
    tests.push(`@ ${operators[key]} $${key}`);
  }
  // jsonpath compares numbers numerically and strings by code point; a type mismatch is false.
  return pathPredicate(node.field, tests.join(" && "), vars, params);
}

function pathPredicate(field: string, test: string, vars: Record<string, unknown>, params: SqlParameters): string {
  return `jsonb_path_exists(data, ${params.add(`${jsonPath(field)} ? (${test})`)}::jsonpath, ${params.json(vars)})`;
}

/** `address.city` → `$."address"."city"[*]`: lax mode, so a scalar and each array element are both visited. */
function jsonPath(field: string): string {
  return `$${checkedKeys(field)
    .map((key) => `."${key}"`)
    .join("")}[*]`;
}

function nest(field: string, leaf: unknown): unknown {
  return checkedKeys(field).reduceRight<unknown>((inner, key) => ({ [key]: inner }), leaf);
}

function checkedKeys(field: string): string[] {
  if (!fieldPathPattern.test(field)) throw new Error(`invalid field path: ${field}`);
  return field.split(".");
}

function likePattern(pattern: string): string {
  return wildcardParts(pattern)
    .map((part) => ("literal" in part ? part.literal.replace(/[\\%_]/g, "\\$&") : part.any === "many" ? "%" : "_"))
    .join("");
}

/**
 * Numbers first (numerically), then strings (by code point), then documents without a scalar
 * value, in either direction; the id breaks ties so pages never overlap.
 */
export function compileSort(sort: readonly ViewSort[], params: SqlParameters): string {
  const keys = sort.flatMap((key) => {
    const value = `(data #> ${params.add(checkedKeys(key.field))}::text[])`;
    const direction = key.order === "desc" ? "DESC" : "ASC";
    return [
      `CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value} #>> '{}')::numeric END ${direction} NULLS LAST`,
      `CASE WHEN jsonb_typeof(${value}) = 'string' THEN ${value} #>> '{}' END COLLATE "C" ${direction} NULLS LAST`,
    ];
  });
  return [...keys, `id COLLATE "C" ASC`].join(", ");
}
