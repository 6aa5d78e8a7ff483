import type { ViewData } from "../../core/ports/view-store.js";

/**
 * OpenSearch fixes one type per field and then coerces: a keyword field matches `5` by `"5"`, a
 * numeric field indexes `"5"` as 5, a boolean field `""` as false, and refuses `"abc"` into a
 * number. The view query language keeps JSON types (5 never equals "5"), so every value is
 * indexed under the field of its own JSON type, and a query names the field of its value's type:
 *
 *   data.ref = 5     → typed.number.ref = 5       (eq 5   → term typed.number.ref)
 *   data.ref = "5"   → typed.string.ref = "5"     (eq "5" → term typed.string.ref)
 *   data.a.b = true  → typed.boolean.a/b = true
 *
 * A path is flattened into one field name (`address/city`), so a path holding an object in one
 * document and a scalar in another never conflicts. `typed.present` lists the paths holding a
 * value (for `exists`), and `typed.sortNumber` / `typed.sortString` hold a path's value only
 * when it is a single number or string, because arrays are no sort value. `data` itself is kept
 * as written and not indexed.
 */
export interface TypedFields {
  /** Dotted paths holding something other than null or an array of nulls. */
  readonly present: string[];
  readonly string: Record<string, string[]>;
  readonly number: Record<string, number[]>;
  readonly boolean: Record<string, boolean[]>;
  readonly sortString: Record<string, string>;
  readonly sortNumber: Record<string, number>;
}

export type ScalarType = "string" | "number" | "boolean";

/** The object every typed field lives under; excluded from `_source`, so reads return `data` only. */
export const typedRoot = "typed";

/** Only keys a field path can name are indexed: anything else is unreachable by a query. */
const identifier = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const maxDepth = 8;
/** Joins a path's keys into one field name; never part of an identifier, never a path separator to OpenSearch. */
const separator = "/";

/** The field holding a path's values of one JSON type, e.g. `typed.string.address/city`. */
export function typedField(type: ScalarType, field: string): string {
  return `${typedRoot}.${type}.${field.split(".").join(separator)}`;
}

export function sortFields(field: string): { number: string; string: string } {
  const name = field.split(".").join(separator);
  return { number: `${typedRoot}.sortNumber.${name}`, string: `${typedRoot}.sortString.${name}` };
}

export const presentField = `${typedRoot}.present`;

export function scalarType(value: string | number | boolean): ScalarType {
  return typeof value as ScalarType;
}

/** Walks objects only (not through arrays), as paths do in the query language. */
export function typedFieldsOf(data: ViewData): TypedFields {
  // Records without a prototype: a data key named `__proto__` is a field like any other.
  const record = () => Object.create(null);
  const fields: TypedFields = {
    present: [],
    string: record(),
    number: record(),
    boolean: record(),
    sortString: record(),
    sortNumber: record(),
  };
  const visit = (object: Readonly<Record<string, unknown>>, keys: readonly string[]) => {
    for (const [key, value] of Object.entries(object)) {
      if (!identifier.test(key) || value === null || value === undefined) continue;
      const path = [...keys, key];
      const name = path.join(separator);
      const elements: unknown[] = Array.isArray(value) ? value : [value];
      if (elements.some((element) => element !== null)) fields.present.push(path.join("."));
      for (const element of elements) {
        if (typeof element === "string") append(fields.string, name, element);
        else if (typeof element === "number") append(fields.number, name, element);
        else if (typeof element === "boolean") append(fields.boolean, name, element);
      }
      if (typeof value === "string") fields.sortString[name] = value;
      else if (typeof value === "number") fields.sortNumber[name] = value;
      else if (typeof value === "object" && !Array.isArray(value) && path.length < maxDepth) visit(value as Record<string, unknown>, path);
    }
  };
  visit(data, []);
  return fields;
}

function append<T>(record: Record<string, T[]>, name: string, value: T): void {
  const list = record[name];
  if (list === undefined) record[name] = [value];
  else list.push(value);
}
