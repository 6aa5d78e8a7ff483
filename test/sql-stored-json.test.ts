import { describe, expect, it } from "vitest";
import { metaAsWritten, storedMeta } from "../adapters/sql/event-meta-json.js";
import { storableJson } from "../adapters/sql/json-text.js";
import type { EventMeta } from "../core/model/events.js";

/** The stored forms of migration 8's json columns: what jsonb refused stays refused, and meta reads back as written. */
describe("json text for the json columns", () => {
  it("refuses U+0000 and lone surrogates, as jsonb did", () => {
    for (const value of [{ text: "bad\u0000" }, { text: "bad\ud800" }, { text: "bad\udfff tail" }, ["\u0000"], { "key\u0000": 1 }]) {
      expect(() => storableJson(JSON.stringify(value))).toThrow(/U\+0000 or a lone surrogate/);
    }
  });

  it("keeps everything else, escaped backslashes and well-formed surrogate pairs included", () => {
    for (const value of [{ text: "\\u0000" }, { text: "\\\\u0000" }, { text: "\\ud800" }, { emoji: "😀" }, { control: "\u0001\n" }, null]) {
      const text = JSON.stringify(value);
      expect(storableJson(text)).toBe(text);
    }
  });
});

describe("events.meta as stored", () => {
  const base: EventMeta = {
    requestId: "req-1",
    interactionId: "int-1",
    invocationId: "inv-1",
    breadcrumbs: [0],
    user: "ana",
    command: "Deposit",
    initiator: "ana",
    actor: "ana",
  };

  it("leaves out user and actor when both equal the initiator, and reads them back", () => {
    const stored = JSON.parse(storedMeta(base));
    expect(stored).not.toHaveProperty("user");
    expect(stored).not.toHaveProperty("actor");
    expect(metaAsWritten(stored)).toEqual(base);
  });

  it("keeps every other meta whole", () => {
    const others: EventMeta[] = [
      { ...base, actor: "system:effects/accounts" },
      { ...base, user: "bob" },
      { ...base, initiator: undefined, actor: undefined } as EventMeta,
      { requestId: "r", interactionId: "i", invocationId: "v", breadcrumbs: [0, 1], user: "ana", command: "C" },
      { ...base, actor: undefined } as EventMeta,
    ].map((meta) => JSON.parse(JSON.stringify(meta)));
    for (const meta of others) {
      expect(storedMeta(meta)).toBe(JSON.stringify(meta));
      expect(metaAsWritten(JSON.parse(storedMeta(meta)))).toEqual(meta);
    }
  });

  it("refuses a meta it could not read back: an initiator without user or actor", () => {
    const { user: _, actor: __, ...broken } = base;
    expect(() => storedMeta(broken as EventMeta)).toThrow(/initiator but no user/);
  });
});
