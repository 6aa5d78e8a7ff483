/** One field of a state, flattened to a dotted path, and how it changed from the state before. */
export interface StateField {
  readonly path: string;
  /** The value as JSON; absent when the field was removed. */
  readonly value?: string;
  readonly change: "added" | "changed" | "removed" | "unchanged";
}

/**
 * Compares two states field by field. Nested objects are flattened ("address.city") so a change
 * deep inside is pointed at, not the whole object; arrays count as one value.
 */
export function diffStates(before: unknown, after: unknown): readonly StateField[] {
  const old = flatten(before);
  const now = flatten(after);
  const fields: StateField[] = [];
  for (const [path, value] of now) {
    const previous = old.get(path);
    fields.push({ path, value, change: previous === undefined ? "added" : previous === value ? "unchanged" : "changed" });
  }
  for (const path of old.keys()) if (!now.has(path)) fields.push({ path, change: "removed" });
  return fields;
}

function flatten(value: unknown, prefix = "", into = new Map<string, string>()): Map<string, string> {
  if (isRecord(value) && Object.keys(value).length > 0) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix === "" ? key : `${prefix}.${key}`, into);
  } else {
    into.set(prefix === "" ? "(state)" : prefix, JSON.stringify(value) ?? "undefined");
  }
  return into;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
