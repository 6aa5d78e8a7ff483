import { canonicalJsonByCodePoint } from "../../model/canonical-json.js";

/** Top-level keys in the order given; nested objects with sorted keys. */
export function line(fields: Record<string, unknown>): string {
  const members = Object.entries(fields).map(([key, value]) => `${JSON.stringify(key)}:${canonicalJsonByCodePoint(value)}`);
  return `{${members.join(",")}}`;
}
