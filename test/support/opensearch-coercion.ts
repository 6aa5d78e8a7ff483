/** How OpenSearch turns a JSON scalar into a field's indexed value (mapping parameter `coerce`, boolean and keyword fields). */

export type LeafType = "keyword" | "text" | "long" | "integer" | "short" | "byte" | "double" | "float" | "boolean";
export interface LeafMapping {
  readonly kind: "leaf";
  readonly type: LeafType;
  readonly ignoreAbove?: number;
  readonly analyzer?: string;
  readonly coerce: boolean;
  /** Multi-fields, e.g. `text` under a keyword: indexed as `<path>.<name>`. */
  readonly fields: Readonly<Record<string, LeafMapping>>;
}

/** A document OpenSearch refuses at indexing: the bulk item fails with this type and reason. */
export class MappingError extends Error {
  constructor(
    readonly type: string,
    reason: string,
  ) {
    super(reason);
  }
}

const numericTypes = new Set<LeafType>(["long", "integer", "short", "byte", "double", "float"]);
export const isNumeric = (type: LeafType) => numericTypes.has(type);

/** Java's Double.parseDouble over the strings a JSON body can hold (suffixes and hex left out). */
export function parseJavaNumber(text: string): number | undefined {
  return /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(text) ? Number(text) : undefined;
}

/** The value a field of this mapping indexes for a JSON scalar, undefined when it indexes nothing. */
export function coerceForIndex(
  mapping: LeafMapping,
  value: string | number | boolean,
  path: string,
): string | number | boolean | undefined {
  const refuse = (why: string) =>
    new MappingError(
      "mapper_parsing_exception",
      `failed to parse field [${path}] of type [${mapping.type}]. Preview of field's value: '${String(value)}': ${why}`,
    );
  switch (mapping.type) {
    case "keyword":
    case "text": {
      // OpenSearch indexes the JSON token's text: 5 → "5", true → "true".
      const text = String(value);
      return mapping.ignoreAbove !== undefined && text.length > mapping.ignoreAbove ? undefined : text;
    }
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === "true") return true;
      if (value === "false" || value === "") return false;
      throw refuse("Failed to parse value as only [true] or [false] are allowed.");
    default: {
      if (typeof value === "boolean") throw refuse(`Current token (VALUE_${String(value).toUpperCase()}) not numeric`);
      if (typeof value === "string" && !mapping.coerce) throw refuse("numeric value passed as String");
      if (value === "") return undefined; // an empty string is null to a coercing numeric field
      const number = typeof value === "number" ? value : parseJavaNumber(value);
      if (number === undefined) throw refuse(`For input string: "${value}"`);
      if (mapping.type === "double") return number;
      if (mapping.type === "float") return Math.fround(number);
      if (!Number.isInteger(number) && !mapping.coerce) throw refuse("Value has a decimal part");
      return Math.trunc(number);
    }
  }
}
