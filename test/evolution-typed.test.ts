import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineService, EventReadError, readEvent, type Service, type StoredEvent } from "../core/index.js";
import { erasedMarker } from "../core/privacy/index.js";

const meta = { requestId: "r", interactionId: "i", invocationId: "v", breadcrumbs: [0], user: "u", command: "C" };
const stored = (data: unknown, schemaVersion?: number): StoredEvent => ({
  realm: "r1",
  service: "contacts",
  aggregateId: "c-1",
  sequence: 1,
  type: "Registered",
  data,
  ...(schemaVersion === undefined ? {} : { schemaVersion }),
  meta,
  time: "2026-01-02T03:04:05.678Z",
  position: "7",
});

const version1 = z.object({ mail: z.email(), newsletter: z.boolean().default(false) });
const version2 = z.object({ email: z.email(), newsletter: z.boolean() });
const registered = z.object({ email: z.email(), topics: z.array(z.string()) });

const contacts = defineService("contacts", { initialState: () => ({ email: "" }) })
  .event("Registered", registered, (state, e) => ({ ...state, email: e.email }), {
    version: 3,
    previous: { 1: version1, 2: version2 },
    // Typed by the previous schemas: v1.mail is a string, v2.newsletter a boolean.
    upcast: {
      1: (v1) => ({ email: v1.mail, newsletter: v1.newsletter }),
      2: (v2) => ({ email: v2.email, topics: v2.newsletter ? ["news"] : [] }),
    },
  })
  .build() as unknown as Service;

describe("upcasters typed by the schemas of previous versions", () => {
  it("checks each older version against its schema before its upcaster, which gets the parsed data", () => {
    // version1's default fills newsletter before upcaster 1 reads it.
    expect(readEvent(contacts, stored({ mail: "a@example.com" }, 1)).data).toEqual({ email: "a@example.com", topics: [] });
    expect(readEvent(contacts, stored({ email: "b@example.com", newsletter: true }, 2)).data).toEqual({
      email: "b@example.com",
      topics: ["news"],
    });
  });

  it("names the version and path whose schema the stored data does not fit", () => {
    const read = () => readEvent(contacts, stored({ mail: "not an email" }, 1));
    expect(read).toThrow(EventReadError);
    expect(read).toThrow(/at data\.mail: does not fit Registered version 1's schema/);
  });

  it("lets an erased personal value through, as the current schema does", () => {
    expect(readEvent(contacts, stored({ mail: erasedMarker, newsletter: true }, 1)).data).toEqual({
      email: erasedMarker,
      topics: ["news"],
    });
  });

  it("refuses, at declaration, a previous schema of no older version", () => {
    const declare = (previous: Record<number, z.ZodType>) =>
      defineService("bad", { initialState: () => ({}) }).event("E", z.object({}), (s) => s, {
        version: 2,
        previous,
        upcast: { 1: (v1: unknown) => v1 },
      });
    expect(() => declare({ 2: z.object({}) })).toThrow(/previous schema 2 is of no older version/);
    expect(() => declare({ 1: "nope" as unknown as z.ZodType })).toThrow(/previous schema 1 is not a zod schema/);
  });

  it("types the upcaster's input (checked by tsc)", () => {
    defineService("typed", { initialState: () => ({}) }).event("E", z.object({ n: z.number() }), (s) => s, {
      version: 2,
      previous: { 1: z.object({ text: z.string() }) },
      // @ts-expect-error version 1 has no n: the previous schema types the input
      upcast: { 1: (v1) => ({ n: v1.n }) },
    });
    // Without a previous schema an annotated parameter is accepted, as before.
    defineService("annotated", { initialState: () => ({}) }).event("E", z.object({ n: z.number() }), (s) => s, {
      version: 2,
      upcast: { 1: (v1: { text: string }) => ({ n: v1.text.length }) },
    });
  });
});
