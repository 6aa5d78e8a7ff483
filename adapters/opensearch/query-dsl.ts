import {
  classifyFilter,
  fieldPathPattern,
  pageOf,
  type ViewFilter,
  type ViewQuery,
  type ViewScalar,
  type ViewSort,
} from "../../core/model/view-query.js";
import { presentField, type ScalarType, scalarType, sortFields, typedField, typedRoot } from "./typed-fields.js";

/** A piece of OpenSearch query DSL: plain JSON. */
export type Dsl = Record<string, unknown>;

/** The sub-field holding the analysed copy of every string, for `match`. */
export const textSubField = "text";

/** Written into every index's `_meta`; an index without it predates typed fields and must be rebuilt. */
export const viewMappingVersion = 2;

/**
 * Settings and mappings of every view index. Documents are stored as
 * `{ id, version, deleted, data, typed }`: `data` exactly as written (kept, never indexed) and
 * `typed`, the index-only copy of its values by JSON type (`typed-fields.ts`, left out of
 * `_source`). Strings are `keyword`s (eq, in, prefix, wildcard, range, sort by code point) with
 * a `text` sub-field split into lower-cased words like `wordsOf`; numbers are `double`;
 * booleans `boolean`. Date and number detection are off: strings stay strings.
 */
export const viewIndexBody: Dsl = {
  settings: {
    analysis: {
      tokenizer: { edd_words: { type: "pattern", pattern: "[^\\p{L}\\p{Nd}]+" } },
      analyzer: { edd_words: { type: "custom", tokenizer: "edd_words", filter: ["lowercase"] } },
    },
  },
  mappings: {
    _meta: { eddViewMapping: viewMappingVersion },
    _source: { excludes: [typedRoot] },
    dynamic: "strict",
    date_detection: false,
    numeric_detection: false,
    dynamic_templates: [
      {
        strings: {
          path_match: `${typedRoot}.string.*`,
          mapping: { type: "keyword", ignore_above: 8191, fields: { [textSubField]: { type: "text", analyzer: "edd_words" } } },
        },
      },
      { numbers: { path_match: `${typedRoot}.number.*`, mapping: { type: "double" } } },
      { booleans: { path_match: `${typedRoot}.boolean.*`, mapping: { type: "boolean" } } },
      { sortStrings: { path_match: `${typedRoot}.sortString.*`, mapping: { type: "keyword", ignore_above: 8191 } } },
      { sortNumbers: { path_match: `${typedRoot}.sortNumber.*`, mapping: { type: "double" } } },
    ],
    properties: {
      id: { type: "keyword" },
      version: { type: "long" },
      deleted: { type: "boolean" },
      data: { type: "object", enabled: false },
      [typedRoot]: {
        type: "object",
        dynamic: true,
        properties: {
          present: { type: "keyword" },
          string: { type: "object" },
          number: { type: "object" },
          boolean: { type: "object" },
          sortString: { type: "object" },
          sortNumber: { type: "object" },
        },
      },
    },
  },
};

function checkedField(field: string): string {
  if (!fieldPathPattern.test(field)) throw new Error(`invalid field path: ${field}`);
  return field;
}

/** `in` asks the field of each value's type: one `terms` per type present. */
function compileIn(field: string, values: readonly ViewScalar[]): Dsl {
  const byType = new Map<ScalarType, ViewScalar[]>();
  for (const value of values) byType.set(scalarType(value), [...(byType.get(scalarType(value)) ?? []), value]);
  const terms = [...byType].map(([type, typed]) => ({ terms: { [typedField(type, field)]: typed } }));
  return terms.length === 1 ? (terms[0] as Dsl) : { bool: { should: terms, minimum_should_match: 1 } };
}

export function compileFilterDsl(filter: ViewFilter): Dsl {
  const node = classifyFilter(filter);
  switch (node.kind) {
    case "and":
      return { bool: { filter: node.filters.map(compileFilterDsl) } };
    case "or":
      return { bool: { should: node.filters.map(compileFilterDsl), minimum_should_match: 1 } };
    case "not":
      return { bool: { must_not: [compileFilterDsl(node.filter)] } };
    case "eq":
      return { term: { [typedField(scalarType(node.value), checkedField(node.field))]: node.value } };
    case "in":
      return compileIn(checkedField(node.field), node.values);
    case "exists": {
      const exists = { term: { [presentField]: checkedField(node.field) } };
      return node.exists ? exists : { bool: { must_not: [exists] } };
    }
    case "prefix":
      return { prefix: { [typedField("string", checkedField(node.field))]: { value: node.prefix } } };
    case "wildcard":
      // Same syntax as ours: `*`, `?`, and `\` escaping the next character.
      return { wildcard: { [typedField("string", checkedField(node.field))]: { value: node.pattern } } };
    case "match":
      return { match: { [`${typedField("string", checkedField(node.field))}.${textSubField}`]: { query: node.text, operator: "and" } } };
    case "range": {
      const { kind: _kind, field, ...bounds } = node;
      const type = typeof Object.values(bounds).find((bound) => bound !== undefined) === "number" ? "number" : "string";
      return { range: { [typedField(type, checkedField(field))]: bounds } };
    }
  }
}

/**
 * Per key, numbers before strings in either direction (two sort fields, each with missing values
 * last), arrays and booleans as missing; the id breaks ties so pages never overlap.
 */
export function compileSortDsl(sort: readonly ViewSort[]): Dsl[] {
  return [
    ...sort.flatMap((key) => {
      const fields = sortFields(checkedField(key.field));
      const order = key.order ?? "asc";
      return [
        { [fields.number]: { order, missing: "_last", unmapped_type: "double" } },
        { [fields.string]: { order, missing: "_last", unmapped_type: "keyword" } },
      ];
    }),
    { id: { order: "asc" } },
  ];
}

/** The whole `_search` body: live documents only, exact totals, the selected fields. */
export function compileSearchBody(query: ViewQuery): Dsl {
  const { from, size } = pageOf(query);
  const filters: Dsl[] = [{ term: { deleted: false } }];
  if (query.filter !== undefined) filters.push(compileFilterDsl(query.filter));
  return {
    query: { bool: { filter: filters } },
    sort: compileSortDsl(query.sort ?? []),
    from,
    size,
    track_total_hits: true,
    _source: query.select === undefined ? true : ["id", "version", ...query.select.map((field) => `data.${checkedField(field)}`)],
  };
}
