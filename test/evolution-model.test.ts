import { describe, expect, it } from "vitest";
import { z } from "zod";
import { eventHash } from "../adapters/sql/hash.js";
import { defineService, EventReadError, readEvent, type Service, type StoredEvent } from "../core/index.js";
import { projectionSpecification, querySpecification, specification } from "../core/testing/index.js";
import { buildTimeline } from "../runtimes/explorer/timeline.js";
import { release2, summary } from "./support/evolving-ledger.js";

const meta = { requestId: "r", interactionId: "i", invocationId: "v", breadcrumbs: [0], user: "u", command: "C" };
const stored = (type: string, data: unknown, schemaVersion?: number): StoredEvent => ({
  realm: "r1",
  service: "ledger",
  aggregateId: "acc-9",
  sequence: 4,
  type,
  data,
  ...(schemaVersion === undefined ? {} : { schemaVersion }),
  meta,
  time: "2026-01-02T03:04:05.678Z",
  position: "42",
});
const ledger = release2 as unknown as Service;

describe("reading a stored event through the current definition", () => {
  it("resolves an alias and upcasts version 1 to the current version", () => {
    const read = readEvent(ledger, stored("MoneyIn", { cents: 70 }));
    expect(read).toMatchObject({ type: "Deposited", schemaVersion: 2, data: { amount: 70, currency: "EUR" }, position: "42" });
  });

  it("returns a current event as it is", () => {
    const event = stored("Deposited", { amount: 5, currency: "USD" }, 2);
    expect(readEvent(ledger, event)).toBe(event);
  });

  it("refuses, naming realm, aggregate, sequence and position: unknown types, newer versions, throwing upcasters, misfits", () => {
    const failure = (event: StoredEvent) => {
      try {
        readEvent(ledger, event);
      } catch (error) {
        expect(error).toBeInstanceOf(EventReadError);
        return error as EventReadError;
      }
      throw new Error("read without error");
    };
    const unknown = failure(stored("Withdrawn", {}));
    expect(unknown.message).toBe(
      "realm r1, ledger/acc-9 sequence 4 (position 42): Withdrawn version 1 at type: ledger declares no event type or alias Withdrawn",
    );
    expect(failure(stored("Deposited", { amount: 5, currency: "EUR" }, 3))).toMatchObject({ path: "schemaVersion", schemaVersion: 3 });
    expect(failure(stored("MoneyIn", null)).reason).toMatch(/^upcasting from version 1 to 2 failed: /);
    expect(failure(stored("MoneyIn", { cents: -1 }))).toMatchObject({
      path: "data.amount",
      code: "unreadable-event",
      sequence: 4,
      position: "42",
    });
    expect(failure(stored("Deposited", { amount: 5 }, 2))).toMatchObject({ path: "data.currency" });
  });
});

describe("declaring how an event type evolved", () => {
  const base = () => defineService("declared", { initialState: () => ({}) }).event("Old", z.object({}), (s) => s);
  it("refuses a missing or stray upcaster, a bad version and a name taken by a type or an alias", () => {
    const event = (evolution: object) => () => base().event("New", z.object({}), (s) => s, evolution);
    expect(event({ version: 3, upcast: { 1: (v: unknown) => v } })).toThrow("no upcaster from version 2 to 3");
    expect(event({ version: 2, upcast: { 1: (v: unknown) => v, 2: (v: unknown) => v } })).toThrow("upcaster 2 reads no older version");
    expect(event({ version: 0 })).toThrow("version must be a whole number from 1");
    expect(event({ aliases: ["Old"] })).toThrow("alias Old is already event Old");
    const aliased = base().event("New", z.object({}), (s) => s, { aliases: ["Before"] });
    expect(() => aliased.event("Before", z.object({}), (s) => s)).toThrow("Before is already an alias of New");
    expect(() => aliased.event("Other", z.object({}), (s) => s, { aliases: ["Before"] })).toThrow(
      "alias Before is already an alias of New",
    );
  });
});

describe("the hash of the stored form", () => {
  it("is unchanged for version 1, so old chains hold, and covers every later version", () => {
    const event = stored("Deposited", { amount: 5, currency: "EUR" });
    expect(eventHash(null, { ...event, schemaVersion: 1 })).toBe(eventHash(null, event));
    expect(eventHash(null, { ...event, schemaVersion: 2 })).not.toBe(eventHash(null, event));
  });
});

describe("the test kit takes events as older releases stored them", () => {
  const history = [
    { type: "Opened", data: { owner: "ana" } },
    { type: "MoneyIn", schemaVersion: 1, data: { cents: 500 } },
    { type: "Deposited", data: { amount: 300, currency: "USD" } },
  ] as const;

  it("given folds them upcast, for commands, queries and projections", async () => {
    specification(release2)
      .given(history)
      .when("Deposit", { amount: 1, currency: "EUR" })
      .thenEmits([{ type: "Deposited", data: { amount: 1, currency: "EUR" } }]);
    expect(await querySpecification(release2).given({ "acc-1": history }).query("Balance", { id: "acc-1" })).toBe(800);
    projectionSpecification(summary)
      .given({ "acc-1": history })
      .thenDocuments({ "acc-1": { owner: "ana", balance: 800, currencies: ["EUR", "USD"] } });
  });

  it("and refuses an old event that does not fit, as the store's reads would", () => {
    const misfit = [{ type: "MoneyIn", schemaVersion: 1, data: { cents: "five" } }] as const;
    expect(() => specification(release2).given(misfit).when("Deposit", { amount: 1, currency: "EUR" })).toThrow(EventReadError);
  });
});

describe("the explorer's timeline", () => {
  it("shows an old event upcast, with what it was stored as, and stops folding at one that does not fit", () => {
    const events = [
      { ...stored("Opened", { owner: "ana" }), sequence: 1 },
      { ...stored("MoneyIn", { cents: 500 }), sequence: 2 },
      { ...stored("MoneyIn", { cents: "x" }), sequence: 3 },
    ];
    const { entries } = buildTimeline(ledger, events, undefined);
    expect(entries[1]).toMatchObject({
      event: { type: "Deposited", schemaVersion: 2, data: { amount: 500, currency: "EUR" } },
      storedAs: { type: "MoneyIn", schemaVersion: 1 },
    });
    expect(entries[0]?.storedAs).toBeUndefined();
    expect(entries[2]?.foldError).toMatch(/ledger\/acc-9 sequence 3 \(position 42\): MoneyIn version 1 at data\.amount/);
  });
});
