/** What a JSON column gives back: undefined members dropped, dates as strings. */
export function asStored(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

export interface Difference {
  readonly path: string;
  readonly expected: unknown;
  readonly found: unknown;
}

/** Leaf-level differences between two JSON values, each with its dotted path. */
export function differences(expected: unknown, found: unknown, path: string): Difference[] {
  if (Object.is(expected, found)) return [];
  const bothObjects = isObject(expected) && isObject(found);
  const bothArrays = Array.isArray(expected) && Array.isArray(found);
  if (bothArrays) {
    if (expected.length !== found.length) return [{ path, expected, found }];
    return expected.flatMap((item, i) => differences(item, found[i], join(path, String(i))));
  }
  if (!bothObjects || Array.isArray(expected) !== Array.isArray(found)) return [{ path, expected: expected ?? null, found: found ?? null }];
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(found)])].sort();
  return keys.flatMap((key) => differences(expected[key], found[key], join(path, key)));
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);
