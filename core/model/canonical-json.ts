/**
 * JSON with object keys sorted at every level, so equal values always give equal text whatever
 * order their keys were built in. Follows JSON.stringify otherwise (toJSON, undefined dropped).
 * Keys sort as Array.prototype.sort does (UTF-16 units): the order every stored event hash used.
 */
export function canonicalJson(value: unknown): string {
  return encodeOrThrow(value, undefined);
}

/**
 * The same with keys sorted by Unicode code point, as UTF-8 bytes and SQL's "C" collation do:
 * the order of export files, anchors and request hashes.
 */
export function canonicalJsonByCodePoint(value: unknown): string {
  return encodeOrThrow(value, compareCodePoints);
}

/** Orders strings by Unicode code point, as UTF-8 bytes and SQL's "C" collation do (not UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const difference = (x.value.codePointAt(0) as number) - (y.value.codePointAt(0) as number);
    if (difference !== 0) return difference;
  }
}

type KeyOrder = ((a: string, b: string) => number) | undefined;

function encodeOrThrow(value: unknown, order: KeyOrder): string {
  const text = encode(value, order);
  if (text === undefined) throw new TypeError(`canonicalJson: no JSON representation for ${typeof value}`);
  return text;
}

function encode(value: unknown, order: KeyOrder): string | undefined {
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return encode((value as { toJSON: () => unknown }).toJSON(), order);
  }
  if (Array.isArray(value)) return `[${value.map((item) => encode(item, order) ?? "null").join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort(order)) {
      const encoded = encode(record[key], order);
      if (encoded !== undefined) members.push(`${JSON.stringify(key)}:${encoded}`);
    }
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}
