/**
 * How the test server maps and indexes documents, as OpenSearch does: a field's type is fixed by
 * the mapping or, dynamically, by the first value it receives (dynamic templates first, then the
 * defaults: text with a keyword sub-field, long, float, boolean, object); later values are
 * coerced to that type (a number into a keyword field becomes its string, "5" into a numeric
 * field becomes 5, "true" into a boolean field true) or the document is refused. Queries then see
 * the indexed values, not the `_source`.
 */
import { coerceForIndex, isNumeric, type LeafMapping, type LeafType, MappingError } from "./opensearch-coercion.js";

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Source = Record<string, Json>;

export interface ObjectMapping {
  readonly kind: "object";
  readonly enabled: boolean;
  readonly dynamic?: Dynamic;
}
export type FieldMapping = LeafMapping | ObjectMapping;
type Dynamic = true | false | "strict";

/** Indexed values per field path (multi-fields included), what queries and sorts read. */
export type IndexedFields = ReadonlyMap<string, readonly (string | number | boolean)[]>;

interface DynamicTemplate {
  readonly name: string;
  readonly pathMatch?: string;
  readonly match?: string;
  readonly matchMappingType?: string;
  readonly mapping: Record<string, Json>;
}

export class IndexMapping {
  readonly fields = new Map<string, FieldMapping>();
  readonly #templates: DynamicTemplate[];
  readonly #dynamic: Dynamic;
  readonly #fieldLimit: number;
  readonly sourceExcludes: readonly string[];

  constructor(
    readonly body: Record<string, Json>,
    settings: Record<string, Json>,
  ) {
    this.#dynamic = parseDynamic(body.dynamic) ?? true;
    if (body.date_detection === true || body.numeric_detection === true)
      throw new Error("the test server does not detect dates or numbers in strings");
    this.#templates = ((body.dynamic_templates ?? []) as Record<string, Record<string, Json>>[]).flatMap((entry) =>
      Object.entries(entry).map(([name, spec]) => {
        const known = new Set(["path_match", "match", "match_mapping_type", "mapping"]);
        const unknown = Object.keys(spec).filter((key) => !known.has(key));
        if (unknown.length > 0) throw new Error(`dynamic template ${name}: ${unknown.join(", ")} not supported by the test server`);
        return {
          name,
          pathMatch: spec.path_match as string | undefined,
          match: spec.match as string | undefined,
          matchMappingType: spec.match_mapping_type as string | undefined,
          mapping: spec.mapping as Record<string, Json>,
        };
      }),
    );
    const source = (body._source ?? {}) as { excludes?: string[] };
    this.sourceExcludes = source.excludes ?? [];
    const limit = (settings["index.mapping.total_fields.limit"] ??
      (settings as { index?: { mapping?: { total_fields?: { limit?: Json } } } }).index?.mapping?.total_fields?.limit) as
      | number
      | string
      | undefined;
    this.#fieldLimit = Number(limit ?? 1000);
    addProperties(this.fields, "", (body.properties ?? {}) as Record<string, Record<string, Json>>);
  }

  /** Indexes a document's source; applies the dynamic mapping it introduces only if it is accepted. */
  index(source: Source): IndexedFields {
    const added = new Map<string, FieldMapping>();
    const values = new Map<string, (string | number | boolean)[]>();
    const lookup = (path: string) => added.get(path) ?? this.fields.get(path);

    const put = (path: string, mapping: LeafMapping, raw: string | number | boolean) => {
      const value = coerceForIndex(mapping, raw, path);
      if (value === undefined) return;
      values.set(path, [...(values.get(path) ?? []), value]);
    };
    const walkValue = (path: string, value: Json, dynamic: Dynamic): void => {
      if (value === null) return;
      if (Array.isArray(value)) {
        for (const item of value) walkValue(path, item, dynamic);
        return;
      }
      let mapping = lookup(path);
      const leafName = path.slice(path.lastIndexOf(".") + 1);
      const parent = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "_doc";
      if (mapping === undefined) {
        if (dynamic === "strict")
          throw new MappingError(
            "strict_dynamic_mapping_exception",
            `mapping set to strict, dynamic introduction of [${leafName}] within [${parent}] is not allowed`,
          );
        if (dynamic === false) return;
        mapping = this.#dynamicMapping(path, value);
        for (const [name, entry] of flatten(path, mapping)) added.set(name, entry);
      }
      if (typeof value === "object") {
        if (mapping.kind !== "object")
          throw new MappingError("mapper_parsing_exception", `failed to parse field [${path}] of type [${mapping.type}]: found an object`);
        if (mapping.enabled) walkObject(path, value, mapping.dynamic ?? dynamic);
        return;
      }
      if (mapping.kind === "object")
        throw new MappingError(
          "mapper_parsing_exception",
          `object mapping for [${path}] tried to parse field [${leafName}] as object, but found a concrete value`,
        );
      put(path, mapping, value);
      for (const [name, sub] of Object.entries(mapping.fields)) put(`${path}.${name}`, sub, value);
    };
    const walkObject = (prefix: string, object: { [key: string]: Json }, dynamic: Dynamic): void => {
      for (const [key, value] of Object.entries(object)) {
        // Dots in a key are paths, as in OpenSearch: {"a.b": 1} is {"a": {"b": 1}}.
        const keys = key.split(".");
        const nested = keys.slice(1).reduceRight<Json>((inner, part) => ({ [part]: inner }), value);
        walkValue(prefix === "" ? (keys[0] as string) : `${prefix}.${keys[0]}`, nested, dynamic);
      }
    };
    walkObject("", source, this.#dynamic);
    if (this.fields.size + added.size > this.#fieldLimit)
      throw new MappingError("illegal_argument_exception", `Limit of total fields [${this.#fieldLimit}] has been exceeded`);
    for (const [path, mapping] of added) this.fields.set(path, mapping);
    return values;
  }

  /** The first matching dynamic template's mapping, else OpenSearch's default for the JSON type. */
  #dynamicMapping(path: string, value: Json): FieldMapping {
    const jsonType =
      typeof value === "string"
        ? "string"
        : typeof value === "boolean"
          ? "boolean"
          : typeof value === "number"
            ? Number.isInteger(value)
              ? "long"
              : "double"
            : "object";
    const name = path.slice(path.lastIndexOf(".") + 1);
    const template = this.#templates.find(
      (candidate) =>
        (candidate.matchMappingType === undefined || candidate.matchMappingType === "*" || candidate.matchMappingType === jsonType) &&
        (candidate.pathMatch === undefined || globMatches(candidate.pathMatch, path)) &&
        (candidate.match === undefined || globMatches(candidate.match, name)),
    );
    if (template !== undefined) return parseMapping(template.mapping);
    switch (jsonType) {
      case "string":
        return parseMapping({ type: "text", fields: { keyword: { type: "keyword", ignore_above: 256 } } });
      case "long":
        return parseMapping({ type: "long" });
      case "double":
        return parseMapping({ type: "float" });
      case "boolean":
        return parseMapping({ type: "boolean" });
      default:
        return { kind: "object", enabled: true };
    }
  }

  /** The mapping as `GET <index>/_mapping` answers it: what was created, dynamic fields added. */
  toJson(): Record<string, Json> {
    const properties: Record<string, Json> = {};
    for (const [path, mapping] of this.fields) {
      const keys = path.split(".");
      const parentPath = keys.slice(0, -1).join(".");
      if (parentPath !== "" && this.fields.get(parentPath)?.kind === "leaf") continue; // a multi-field, listed with its parent
      let into = properties;
      for (const key of keys.slice(0, -1)) {
        into[key] ??= { type: "object" };
        const parent = into[key] as { properties?: Record<string, Json> };
        parent.properties ??= {};
        into = parent.properties;
      }
      into[keys.at(-1) as string] = mappingJson(mapping);
    }
    return { ...this.body, properties };
  }
}

function parseDynamic(value: Json | undefined): Dynamic | undefined {
  if (value === undefined) return undefined;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  if (value === "strict") return "strict";
  throw new Error(`dynamic: ${JSON.stringify(value)} is not supported by the test server`);
}

function parseMapping(spec: Record<string, Json>): FieldMapping {
  if (spec.type === undefined || spec.type === "object")
    return { kind: "object", enabled: spec.enabled !== false, dynamic: parseDynamic(spec.dynamic) };
  const type = spec.type as LeafType;
  if (!["keyword", "text", "boolean"].includes(type) && !isNumeric(type))
    throw new Error(`field type ${type} is not supported by the test server`);
  const fields = Object.fromEntries(
    Object.entries((spec.fields ?? {}) as Record<string, Record<string, Json>>).map(([name, sub]) => [
      name,
      parseMapping(sub) as LeafMapping,
    ]),
  );
  return {
    kind: "leaf",
    type,
    coerce: spec.coerce !== false,
    fields,
    ...(spec.ignore_above === undefined ? {} : { ignoreAbove: Number(spec.ignore_above) }),
    ...(spec.analyzer === undefined ? {} : { analyzer: String(spec.analyzer) }),
  };
}

function addProperties(into: Map<string, FieldMapping>, prefix: string, properties: Record<string, Record<string, Json>>): void {
  for (const [name, spec] of Object.entries(properties)) {
    const path = prefix === "" ? name : `${prefix}.${name}`;
    for (const [flatPath, mapping] of flatten(path, parseMapping(spec))) into.set(flatPath, mapping);
    if (spec.properties !== undefined) addProperties(into, path, spec.properties as Record<string, Record<string, Json>>);
  }
}

/** A mapping and its multi-fields, each under its own path (they count against the field limit). */
function flatten(path: string, mapping: FieldMapping): [string, FieldMapping][] {
  if (mapping.kind === "object") return [[path, mapping]];
  return [[path, mapping], ...Object.entries(mapping.fields).map(([name, sub]): [string, FieldMapping] => [`${path}.${name}`, sub])];
}

function mappingJson(mapping: FieldMapping): Json {
  if (mapping.kind === "object") return mapping.enabled ? { type: "object" } : { type: "object", enabled: false };
  const fields = Object.entries(mapping.fields);
  return {
    type: mapping.type,
    ...(mapping.ignoreAbove === undefined ? {} : { ignore_above: mapping.ignoreAbove }),
    ...(fields.length === 0 ? {} : { fields: Object.fromEntries(fields.map(([name, sub]) => [name, mappingJson(sub)])) }),
  };
}

/** OpenSearch's simple patterns: `*` matches any run of characters, dots included. */
export function globMatches(pattern: string, value: string): boolean {
  const parts = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".*")}$`, "s").test(value);
}
