import { classifyFilter, fieldPathPattern, pageOf, type ViewFilter, type ViewQuery, type ViewSort } from "../../core/model/view-query.js";

/** A piece of OpenSearch query DSL: plain JSON. */
export type Dsl = Record<string, unknown>;

/** The sub-field holding the analysed copy of every string, for `match`. */
export const textSubField = "text";

/**
 * Settings and mappings of every view index. Documents are stored as `{ id, version, deleted, data }`;
 * under `data`, strings become exact `keyword`s (eq, in, prefix, wildcard, range, sort by code
 * point) with a `text` sub-field split into lower-cased words like `wordsOf`, and every number
 * becomes `double`, so an integer first write cannot truncate later decimals. Date detection is
 * off: ISO dates stay strings and compare as the other stores compare them.
 */
export const viewIndexBody: Dsl = {
  settings: {
    analysis: {
      tokenizer: { edd_words: { type: "pattern", pattern: "[^\\p{L}\\p{Nd}]+" } },
      analyzer: { edd_words: { type: "custom", tokenizer: "edd_words", filter: ["lowercase"] } },
    },
  },
  mappings: {
    date_detection: false,
    numeric_detection: false,
    dynamic_templates: [
      {
        strings: {
          path_match: "data.*",
          match_mapping_type: "string",
          mapping: { type: "keyword", ignore_above: 8191, fields: { [textSubField]: { type: "text", analyzer: "edd_words" } } },
        },
      },
      { integers: { path_match: "data.*", match_mapping_type: "long", mapping: { type: "double" } } },
      { decimals: { path_match: "data.*", match_mapping_type: "double", mapping: { type: "double" } } },
    ],
    properties: {
      id: { type: "keyword" },
      version: { type: "long" },
      deleted: { type: "boolean" },
      data: { type: "object" },
    },
  },
};

function dataField(field: string): string {
  if (!fieldPathPattern.test(field)) throw new Error(`invalid field path: ${field}`);
  return `data.${field}`;
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
      return { term: { [dataField(node.field)]: node.value } };
    case "in":
      return { terms: { [dataField(node.field)]: node.values } };
    case "exists": {
      const exists = { exists: { field: dataField(node.field) } };
      return node.exists ? exists : { bool: { must_not: [exists] } };
    }
    case "prefix":
      return { prefix: { [dataField(node.field)]: { value: node.prefix } } };
    case "wildcard":
      // Same syntax as ours: `*`, `?`, and `\` escaping the next character.
      return { wildcard: { [dataField(node.field)]: { value: node.pattern } } };
    case "match":
      return { match: { [`${dataField(node.field)}.${textSubField}`]: { query: node.text, operator: "and" } } };
    case "range": {
      const { kind: _kind, field, ...bounds } = node;
      return { range: { [dataField(field)]: bounds } };
    }
  }
}

/** Missing values last in both directions; the id breaks ties so pages never overlap. */
export function compileSortDsl(sort: readonly ViewSort[]): Dsl[] {
  return [
    ...sort.map((key) => ({ [dataField(key.field)]: { order: key.order ?? "asc", missing: "_last", unmapped_type: "keyword" } })),
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
    _source: query.select === undefined ? true : ["id", "version", ...query.select.map(dataField)],
  };
}
