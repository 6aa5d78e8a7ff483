import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryKeyStore } from "../adapters/memory/key-store.js";
import { MemoryStore } from "../adapters/memory/store.js";
import { nodeCipher } from "../adapters/node-crypto/cipher.js";
import { verifyChain } from "../adapters/sql/hash.js";
import { anonymousPrincipal, createEngine, defineService, type Service } from "../core/index.js";
import { randomIds, systemClock } from "../core/ports/clock.js";
import { checkHistory } from "../core/pipeline/operations/check-history.js";
import { feedAggregateLister, verifyRealm } from "../core/pipeline/operations/verify.js";
import { erasedMarker, forgetSubject, isSealed, protectPersonalData } from "../core/privacy/index.js";

/**
 * Personal data in an event type that evolved: release 1 sealed `email` of `Registered`; release 2
 * reads it as `SignedUp` version 2 with the email under `contact`. The old event's sealed field
 * sits where no current schema says, and must still open, and read as erased once forgotten.
 */
const realm = anonymousPrincipal.realm;
const email = z.string().meta({ personal: true });
const state = () => ({ email: "" });

const release1 = defineService("members", { initialState: state, dataSubject: "aggregate" })
  .event("Registered", z.object({ email }), (_, e) => ({ email: e.email }))
  .command("Register", { schema: z.object({ email }), handle: (c) => [{ type: "Registered", data: c }] })
  .build();

const signedUp = z.object({ contact: z.object({ email: email.email() }) });
const release2 = defineService("members", { initialState: state, dataSubject: "aggregate" })
  .event("SignedUp", signedUp, (_, e) => ({ email: e.contact.email }), {
    version: 2,
    aliases: ["Registered"],
    upcast: { 1: (v1: { email: string }) => ({ contact: { email: v1.email } }) },
  })
  .command("SignUp", { schema: signedUp, handle: (c) => [{ type: "SignedUp", data: c }] })
  .query("Email", { schema: z.object({ id: z.string() }), handle: async (q, c) => (await c.aggregates.get(q.id))?.state.email })
  .build();

describe("personal data in an evolved event type", () => {
  it("opens the sealed field of the old form, and reads it as erased once the subject is forgotten", async () => {
    const inner = new MemoryStore();
    const keys = new MemoryKeyStore();
    const sealed = (services: readonly Service[]) => protectPersonalData(inner, { services, keys, cipher: nodeCipher });
    const old = createEngine({ services: [release1], store: sealed([release1]) });
    const request = {
      requestId: randomUUID(),
      interactionId: randomUUID(),
      commands: [{ command: "Register", aggregateId: "m-1", attributes: { email: "ana@example.com" } }],
    };
    expect((await old.command(request, anonymousPrincipal)).status).toBe(200);
    const [stored] = await inner.readAggregateEvents({ realm, service: "members", aggregateId: "m-1" });
    expect(isSealed((stored?.data as { email?: unknown } | undefined)?.email)).toBe(true);

    const store = sealed([release2]);
    const [read] = await store.readAggregateEvents({ realm, service: "members", aggregateId: "m-1" });
    expect(read).toMatchObject({ type: "Registered", data: { email: "ana@example.com" } });
    expect(await checkHistory({ store, services: [release2], realm })).toMatchObject({ events: 1, failed: 0 });
    const verify = () =>
      verifyRealm({
        store,
        storedForm: inner,
        services: [release2],
        listAggregates: feedAggregateLister(inner),
        checkChain: verifyChain,
        realm,
      });
    expect((await verify()).problems).toEqual([]);

    await forgetSubject({
      store,
      personal: store.personal,
      realm,
      subject: "m-1",
      operator: "officer",
      clock: systemClock,
      ids: randomIds,
    });
    const [erased] = await store.readAggregateEvents({ realm, service: "members", aggregateId: "m-1" });
    expect(erased?.data).toEqual({ email: erasedMarker });
    expect(await checkHistory({ store, services: [release2], realm })).toMatchObject({ failed: 0 });
    expect((await verify()).problems).toEqual([]);
    const engine = createEngine({ services: [release2], store });
    const answer = await engine.query({ query: { query: "Email", attributes: { id: "m-1" } } }, anonymousPrincipal);
    expect(answer.body).toMatchObject({ result: erasedMarker });
  });
});
