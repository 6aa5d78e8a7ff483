import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryKeyStore } from "../adapters/memory/key-store.js";
import { MemoryStore } from "../adapters/memory/store.js";
import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { nodeCipher } from "../adapters/node-crypto/cipher.js";
import { defineProjection, defineService } from "../core/index.js";
import { EddError } from "../core/model/errors.js";
import { erasedMarker, protectPersonalData, protectPersonalViews } from "../core/privacy/index.js";
import { accounts } from "../examples/bank/accounts.js";
import { accountSummaryView } from "../examples/bank/views.js";
import { anaEmail, bobEmail, openAndTransfer, privateBank, realm } from "./support/privacy-bank.js";

async function refusal(search: Promise<unknown>): Promise<EddError> {
  const error = await search.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(EddError);
  return error as EddError;
}

describe("personal fields in views", () => {
  it("are stored sealed with a blind index, found by eq, in and words, and opened on every read", async () => {
    const plain = new MemoryViewStore();
    const bank = privateBank(new MemoryStore(), plain, new MemoryKeyStore());
    await openAndTransfer(bank);
    const stored = await plain.get(realm, accountSummaryView, "acc-ana");
    expect(JSON.stringify(stored?.data)).not.toMatch(/ana|privacy|example/);
    expect(stored?.data.owner).toMatchObject({ edd_sealed: expect.stringMatching(/^edd:sealed:1:/) });

    const ids = async (filter: object) => (await bank.views.search(realm, accountSummaryView, { filter } as never)).items.map((i) => i.id);
    expect(await ids({ field: "owner", eq: anaEmail })).toEqual(["acc-ana"]);
    expect(await ids({ field: "owner", eq: "ANA.privacy@example.com" })).toEqual([]);
    expect(await ids({ field: "owner", in: [anaEmail, bobEmail] })).toEqual(["acc-ana", "acc-bob"]);
    expect(await ids({ field: "owner", match: "Ana PRIVACY" })).toEqual(["acc-ana"]);
    expect(await ids({ not: { field: "owner", match: "ana" } })).toEqual(["acc-bob"]);
    expect(await ids({ field: "owner", exists: true })).toEqual(["acc-ana", "acc-bob"]);
    const page = await bank.views.search(realm, accountSummaryView, { filter: { field: "owner", eq: bobEmail } });
    expect(page.items[0]?.data).toMatchObject({ owner: bobEmail, balance: 100 });
    expect((await bank.views.read(realm, accountSummaryView, ["acc-ana"])).get("acc-ana")?.data?.owner).toBe(anaEmail);
  });

  it("sorts by a personal field by opening the matches, and refuses other filters on it, naming the field", async () => {
    const bank = privateBank(new MemoryStore(), new MemoryViewStore(), new MemoryKeyStore());
    await openAndTransfer(bank);
    const sorted = await bank.query("SearchAccounts", { sort: "owner", order: "desc" });
    expect(sorted).toMatchObject({ total: 2, accounts: [{ owner: bobEmail }, { owner: anaEmail }] });
    const prefix = await refusal(bank.views.search(realm, accountSummaryView, { filter: { field: "owner", prefix: "ana" } }));
    expect(prefix.code).toBe("invalid-query");
    expect(prefix.status).toBe(400);
    expect(prefix.message).toContain("owner is personal data");
    expect(prefix.details).toEqual({ field: "owner", personal: true });
    const beneath = await refusal(bank.views.search(realm, accountSummaryView, { filter: { field: "owner.edd_eq", eq: "x" } }));
    expect(beneath.details).toEqual({ field: "owner.edd_eq", personal: true });
  });

  it("refuses to sort more matches than it can open", async () => {
    const keys = new MemoryKeyStore();
    const bank = privateBank(new MemoryStore(), new MemoryViewStore(), keys);
    const writes = Array.from({ length: 1001 }, (_, i) => ({
      id: `acc-${i}`,
      version: 1,
      data: { owner: `o${i}@example.com`, balance: i },
    }));
    await bank.views.write(realm, accountSummaryView, writes);
    const wide = await refusal(bank.views.search(realm, accountSummaryView, { sort: [{ field: "owner" }] }));
    expect(wide.message).toContain("at most 1000");
    const narrow = await bank.views.search(realm, accountSummaryView, {
      filter: { field: "balance", lt: 3 },
      sort: [{ field: "owner", order: "desc" }],
    });
    expect(narrow.items.map((item) => item.data.owner)).toEqual(["o2@example.com", "o1@example.com", "o0@example.com"]);
  });

  it("after forget: the document holds the erased marker and no index entry, so a search cannot confirm the value", async () => {
    const plain = new MemoryViewStore();
    const bank = privateBank(new MemoryStore(), plain, new MemoryKeyStore());
    await openAndTransfer(bank);
    const owner = (await plain.get(realm, accountSummaryView, "acc-ana"))?.data.owner as { edd_eq: string[] } | undefined;
    const indexHash = owner?.edd_eq[0] ?? "none";
    expect(indexHash).toMatch(/^[0-9a-f]{64}$/);
    await bank.forget("acc-ana");
    expect((await plain.get(realm, accountSummaryView, "acc-ana"))?.data.owner).toBe(erasedMarker);
    expect(JSON.stringify(await plain.search(realm, accountSummaryView, {}))).not.toContain(indexHash);
    expect((await bank.views.search(realm, accountSummaryView, { filter: { field: "owner", eq: anaEmail } })).total).toBe(0);
    // A late write of the old value (a projector that read it before the forget) lands erased.
    await bank.views.write(realm, accountSummaryView, [{ id: "acc-ana", version: 99, data: { owner: anaEmail } }]);
    expect((await plain.get(realm, accountSummaryView, "acc-ana"))?.data.owner).toBe(erasedMarker);
  });

  it("takes the personal fields from the projection's document schema, and refuses them without a data subject", async () => {
    const keys = new MemoryKeyStore();
    const store = protectPersonalData(new MemoryStore(), { services: [accounts], keys, cipher: nodeCipher });
    const contacts = defineProjection(accounts, {
      name: "accounts.contacts",
      view: "accounts.contacts",
      document: z.object({ contact: z.object({ email: z.string().meta({ personal: true }) }), owner: z.string() }),
      events: { AccountOpened: (event) => ({ contact: { email: event.data.owner }, owner: "kept plain" }) },
    });
    const plain = new MemoryViewStore();
    const views = protectPersonalViews(plain, store, [contacts]);
    await views.write(realm, "accounts.contacts", [
      { id: "acc-1", version: 1, data: { contact: { email: anaEmail }, owner: "kept plain" } },
    ]);
    expect(JSON.stringify(await plain.get(realm, "accounts.contacts", "acc-1"))).not.toContain(anaEmail);
    expect((await plain.get(realm, "accounts.contacts", "acc-1"))?.data.owner).toBe("kept plain");
    const found = await views.search(realm, "accounts.contacts", { filter: { field: "contact.email", eq: anaEmail } });
    expect(found.items.map((item) => item.data)).toEqual([{ contact: { email: anaEmail }, owner: "kept plain" }]);

    const anonymous = defineService("anonymous", { initialState: () => ({}) })
      .event("Noted", z.object({ text: z.string() }), (state) => state)
      .build();
    const notes = defineProjection(anonymous, {
      name: "anonymous.notes",
      view: "anonymous.notes",
      document: z.object({ text: z.string().meta({ personal: true }) }),
      events: { Noted: (event) => ({ text: event.data.text }) },
    });
    expect(() => protectPersonalViews(plain, store, [notes])).toThrow(/names no dataSubject/);
  });
});
