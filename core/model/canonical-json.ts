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

/**
 * One value's canonical JSON (UTF-16 key order), or undefined where JSON.stringify would leave a
 * member out: for callers that write the members of a record whose keys they already know in order.
 */
export function canonicalJsonMember(value: unknown): string | undefined {
  return encode(value, undefined);
}

/** Orders strings by Unicode code point, as UTF-8 bytes and SQL's "C" collation do (not UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  // Where the first differing units are both below the surrogates, they are the differing code points.
  const length = Math.min(a.length, b.length);
  let i = 0;
  while (i < length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i < length) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x < 0xd800 && y < 0xd800) return x - y;
  }
  return compareByIterator(a, b);
}

function compareByIterator(a: string, b: string): number {
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

// Built by concatenation, without the intermediate arrays of map/join: this runs for every event hash.
function encode(value: unknown, order: KeyOrder): string | undefined {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return encode((value as { toJSON: () => unknown }).toJSON(), order);
  if (Array.isArray(value)) return encodeArray(value, order);
  const record = value as Record<string, unknown>;
  const keys = sortedKeys(record, order);
  let text = "{";
  for (const key of keys) {
    const encoded = encode(record[key], order);
    if (encoded === undefined) continue;
    text += `${text.length === 1 ? "" : ","}${JSON.stringify(key)}:${encoded}`;
  }
  return `${text}}`;
}

function encodeArray(items: readonly unknown[], order: KeyOrder): string {
  let text = "[";
  for (let i = 0; i < items.length; i++) {
    if (i > 0) text += ",";
    const item = items[i];
    // A hole wrote nothing under the map/join this replaces; kept so no stored hash moves.
    if (item === undefined && !(i in items)) continue;
    text += encode(item, order) ?? "null";
  }
  return `${text}]`;
}

/** The record's keys in order; most records are built in order already, so that is checked before sorting. */
function sortedKeys(record: Record<string, unknown>, order: KeyOrder): string[] {
  const keys = Object.keys(record);
  for (let i = 1; i < keys.length; i++) {
    const before = keys[i - 1] as string;
    const key = keys[i] as string;
    if (order === undefined ? before > key : order(before, key) > 0) return keys.sort(order);
  }
  return keys;
}
