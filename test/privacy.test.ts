import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemoryKeyStore } from "../adapters/memory/key-store.js";
import { MemoryStore } from "../adapters/memory/store.js";
import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { anonymousPrincipal } from "../core/index.js";
import { erasedMarker, erasureEventType, isSealed } from "../core/privacy/index.js";
import { accountSummaryView } from "../examples/bank/views.js";
import { anaEmail, bobEmail, openAndTransfer, privateBank, realm } from "./support/privacy-bank.js";

describe("personal data on a sealing store (memory)", () => {
  it("stores the owner sealed and reads it back plain", async () => {
    const inner = new MemoryStore();
    const bank = privateBank(inner, new MemoryViewStore(), new MemoryKeyStore());
    await openAndTransfer(bank);
    const [opened] = await inner.readAggregateEvents({ realm, service: "accounts", aggregateId: "acc-ana" });
    expect(isSealed((opened?.data as { owner?: unknown } | undefined)?.owner)).toBe(true);
    expect(JSON.stringify(await inner.loadSnapshot({ realm, service: "accounts", aggregateId: "acc-ana" }))).not.toContain(anaEmail);
    expect(await inner.findIdentity(realm, "accounts", anaEmail)).toBeUndefined();
    expect(JSON.stringify(await inner.readFeed(realm, undefined, 100))).not.toContain(anaEmail);
    expect(await bank.query("GetAccount", { id: "acc-ana" })).toMatchObject({ owner: anaEmail, balance: 400 });
    expect(await bank.query("FindAccountByOwner", { owner: anaEmail })).toMatchObject({ id: "acc-ana" });
    expect(await bank.verify()).toEqual([]);
  });

  it("answers a resent request with the identity it claimed, opened", async () => {
    const bank = privateBank(new MemoryStore(), new MemoryViewStore(), new MemoryKeyStore());
    const request = {
      requestId: randomUUID(),
      interactionId: randomUUID(),
      commands: [{ command: "OpenAccount", aggregateId: "acc-cy", attributes: { owner: "cy@example.net" } }],
    };
    const first = await bank.engine.command(request, anonymousPrincipal);
    const again = await bank.engine.command(request, anonymousPrincipal);
    expect(again).toEqual(first);
    expect((first.body as { result: { identities: string[] } }).result.identities).toEqual(["cy@example.net"]);
  });

  it("forgets a subject: erased on every read, identity released, erasure recorded, views corrected, verify passes", async () => {
    const inner = new MemoryStore();
    const views = new MemoryViewStore();
    const bank = privateBank(inner, views, new MemoryKeyStore());
    await openAndTransfer(bank);
    expect((await bank.views.get(realm, accountSummaryView, "acc-ana"))?.data.owner).toBe(anaEmail);
    expect(JSON.stringify(await views.get(realm, accountSummaryView, "acc-ana"))).not.toContain("ana.privacy");

    const report = await bank.forget("acc-ana");
    expect(report).toMatchObject({ keysDestroyed: 1, identitiesReleased: 1, viewsRewritten: 1 });
    expect(report.aggregates).toEqual([{ service: "accounts", aggregateId: "acc-ana", sequence: 4 }]);

    expect(await bank.query("GetAccount", { id: "acc-ana" })).toMatchObject({ owner: erasedMarker, balance: 400, version: 4 });
    expect(await bank.query("FindAccountByOwner", { owner: anaEmail })).toBeNull();
    expect((await views.get(realm, accountSummaryView, "acc-ana"))?.data).toEqual({
      owner: erasedMarker,
      status: "open",
      balance: 400,
      openedAt: expect.any(String),
    });
    const history = await bank.store.readAggregateEvents({ realm, service: "accounts", aggregateId: "acc-ana" });
    expect(history.map((event) => event.type)).toEqual(["AccountOpened", "Deposited", "Withdrawn", erasureEventType]);
    expect(history[0]?.data).toEqual({ owner: erasedMarker });
    expect(history[3]).toMatchObject({ data: { subject: "acc-ana", keysDestroyed: 1 }, meta: { user: "privacy-officer" } });

    // Bob is untouched.
    expect(await bank.query("GetAccount", { id: "acc-bob" })).toMatchObject({ owner: bobEmail, balance: 100 });
    expect(await bank.query("FindAccountByOwner", { owner: bobEmail })).toMatchObject({ id: "acc-bob" });
    expect((await bank.views.get(realm, accountSummaryView, "acc-bob"))?.data.owner).toBe(bobEmail);

    // The account still works, and its former owner's name is free again.
    await bank.command("Withdraw", "acc-ana", { amount: 50 });
    await bank.command("OpenAccount", "acc-ana-2", { owner: anaEmail });
    await bank.settle();
    expect(await bank.verify()).toEqual([]);
  });

  it("refuses to store new personal data of a forgotten subject", async () => {
    const keys = new MemoryKeyStore();
    const bank = privateBank(new MemoryStore(), new MemoryViewStore(), keys);
    await keys.forget(realm, "acc-gone");
    const result = await bank.engine.command(
      {
        requestId: randomUUID(),
        interactionId: randomUUID(),
        commands: [{ command: "OpenAccount", aggregateId: "acc-gone", attributes: { owner: "gone@example.com" } }],
      },
      anonymousPrincipal,
    );
    expect(result.status).toBe(410);
    expect(result.body).toMatchObject({ error: { code: "subject-forgotten" } });
  });

  it("is idempotent: forgetting twice records a second erasure and still verifies", async () => {
    const bank = privateBank(new MemoryStore(), new MemoryViewStore(), new MemoryKeyStore());
    await openAndTransfer(bank);
    await bank.forget("acc-ana");
    const again = await bank.forget("acc-ana");
    expect(again).toMatchObject({ keysDestroyed: 0, identitiesReleased: 0 });
    await bank.settle();
    expect(await bank.verify()).toEqual([]);
  });
});
