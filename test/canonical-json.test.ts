import { describe, expect, it } from "vitest";
import { eventHash } from "../adapters/sql/hash.js";
import { canonicalJson, canonicalJsonByCodePoint, compareCodePoints } from "../core/model/canonical-json.js";

// The texts and hashes below were written by the map/join encoder every stored hash was made with:
// a faster encoder must give them byte for byte.
const sparse: unknown[] = [1];
sparse[2] = "x";
const tricky = {
  b: [3, undefined, () => 1, { z: 1, a: null }],
  a: { toJSON: () => ({ y: 2, x: new Date(0) }) },
  é: 1,
  "\uD83D\uDE00": 2,
  "\uFFFF": 3,
  "10": 4,
  "9": 5,
  skip: undefined,
  sparse,
};

describe("canonical JSON", () => {
  it("sorts keys by UTF-16 unit, follows toJSON, drops undefined members and writes null for undefined items", () => {
    expect(canonicalJson(tricky)).toBe(
      '{"10":4,"9":5,"a":{"x":"1970-01-01T00:00:00.000Z","y":2},"b":[3,null,null,{"a":null,"z":1}],"sparse":[1,,"x"],"é":1,"\uD83D\uDE00":2,"\uFFFF":3}',
    );
  });

  it("sorts keys by code point in the by-code-point form (an astral character after U+FFFF)", () => {
    expect(canonicalJsonByCodePoint(tricky)).toBe(
      '{"10":4,"9":5,"a":{"x":"1970-01-01T00:00:00.000Z","y":2},"b":[3,null,null,{"a":null,"z":1}],"sparse":[1,,"x"],"é":1,"\uFFFF":3,"\uD83D\uDE00":2}',
    );
  });

  it("compares code points across surrogates, lone surrogates and prefixes", () => {
    expect(compareCodePoints("\uFFFF", "\uD83D\uDE00")).toBeLessThan(0);
    expect(compareCodePoints("\uE000", "\uD800")).toBeGreaterThan(0);
    expect(compareCodePoints("ab", "abc")).toBeLessThan(0);
    expect(compareCodePoints("b", "a")).toBe(1);
    expect(compareCodePoints("a\uD83D", "a\uD83D\uDE00")).toBeLessThan(0);
    expect(compareCodePoints("x", "x")).toBe(0);
  });

  it("throws where there is no JSON at all", () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });
});

describe("event hash", () => {
  const event = {
    realm: "r",
    service: "bank",
    aggregateId: "a-1",
    sequence: 2,
    type: "Deposited",
    data: { amount: 5, note: "é\uD83D\uDE00" },
    meta: { requestId: "q", principal: { id: "p" } },
    time: "2026-01-02T03:04:05.678Z",
  };

  it("is the hash every stored event was written with: first event, a later schema version, no meta", () => {
    expect(eventHash(null, event)).toBe("84998d56d7fb1d355c246e0f981fc16e0632eac0738c2c2eff57138a1b3b28a5");
    expect(eventHash("f".repeat(64), { ...event, schemaVersion: 3 })).toBe(
      "131db0bf43420498e785362472a3fabe7bde5d9938ffa88e435ffd5f15db66f9",
    );
    expect(eventHash(null, { ...event, meta: undefined })).toBe("6c31fc57cbbff57b000a53c1351dc43ef2b4d7912894801bdda54fc5fc3e15d8");
    expect(eventHash(null, { ...event, schemaVersion: 1 })).toBe(eventHash(null, event));
  });
});
