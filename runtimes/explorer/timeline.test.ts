import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../adapters/memory/index.js";
import type { AggregateRef } from "../../core/ports/store.js";
import { deposit, explorerFixture, open, visibleText, withdraw } from "../../test/support/explorer-fixtures.js";

describe("aggregate timeline", () => {
  it("lists every event with its request, command and user, and the state after it with changes marked", async () => {
    const { command, get } = explorerFixture();
    const requestId = crypto.randomUUID();
    expect(await command([open("acc-1", "ana@example.com")], { requestId })).toBe(200);
    expect(await command([deposit("acc-1", 100)])).toBe(200);
    expect(await command([withdraw("acc-1", 30)])).toBe(200);

    const page = await get("/_edd/aggregates/accounts/acc-1");
    expect(page.status).toBe(200);
    const html = await page.text();
    const text = visibleText(html);
    for (const heading of ["1. AccountOpened", "2. Deposited", "3. Withdrawn"]) expect(text).toContain(heading);
    expect(text).toContain("Version 3");
    expect(text).toContain("holds: every hash follows");
    expect(html).toContain(`/_edd/requests?realm=default&amp;requestId=${requestId}`);
    expect(text).toContain("OpenAccount");
    expect(text).toContain("clara");
    // Who started it and who applied it, on every event.
    expect(text).toMatch(/Initiator\s+clara\s+Actor\s+clara/);

    // After the withdrawal only the balance changed: one highlighted row, holding the new balance.
    const afterWithdrawal = html.slice(html.indexOf('id="event-3"'));
    expect(afterWithdrawal.match(/<tr class="changed">/g)).toHaveLength(1);
    expect(visibleText(afterWithdrawal)).toMatch(/balance 70 changed/);
    expect(visibleText(afterWithdrawal)).toMatch(/status "open"\s+owner/);
  });

  it("shows stored data as text, never as markup", async () => {
    const { command, get } = explorerFixture();
    await command([{ command: "Write", aggregateId: "n-1", attributes: { text: "<script>alert('pwned')</script><b>bold</b>" } }]);
    const html = await (await get("/_edd/aggregates/notes/n-1")).text();
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<b>bold");
    expect(html).toContain("&lt;script&gt;");
  });

  it("says where a hash chain breaks", async () => {
    const fixture = explorerFixture();
    await fixture.command([open("acc-2", "bo@example.com")]);
    await fixture.command([deposit("acc-2", 5)]);
    await fixture.command([deposit("acc-2", 6)]);
    // Someone edits event 2 in place: its hash no longer matches its content.
    const store = fixture.store;
    store.readAggregateEvents = async (ref: AggregateRef, after?: number) =>
      (await MemoryStore.prototype.readAggregateEvents.call(store, ref, after)).map((event) =>
        event.sequence === 2 ? { ...event, data: { amount: 5000 } } : event,
      );
    const text = visibleText(await (await fixture.get("/_edd/aggregates/accounts/acc-2")).text());
    expect(text).toContain("broken at event 2");
    expect(text).toMatch(/BROKEN here.*after a break/);
  });

  it("says the chain is not recorded when the store keeps no hashes", async () => {
    const fixture = explorerFixture();
    await fixture.command([open("acc-3", "cy@example.com")]);
    const store = fixture.store;
    store.readAggregateEvents = async (ref: AggregateRef, after?: number) =>
      (await MemoryStore.prototype.readAggregateEvents.call(store, ref, after)).map(({ hash: _hash, ...event }) => event);
    expect(visibleText(await (await fixture.get("/_edd/aggregates/accounts/acc-3")).text())).toContain(
      "not recorded: this store keeps no event hashes",
    );
  });

  it("answers 404 for an aggregate without events and for an unknown service", async () => {
    const { get } = explorerFixture();
    expect((await get("/_edd/aggregates/accounts/nobody")).status).toBe(404);
    expect((await get("/_edd/aggregates/ledgers/x")).status).toBe(404);
  });
});

describe("finding aggregates", () => {
  it("lists aggregates by id prefix, a page at a time", async () => {
    const { command, get } = explorerFixture({ pageSize: 2 });
    for (const id of ["eu-1", "eu-2", "eu-3", "us-1"]) await command([open(id, `${id}@example.com`)]);
    const first = visibleText(await (await get("/_edd/?service=accounts&prefix=eu-")).text());
    expect(first).toContain("eu-1");
    expect(first).toContain("eu-2");
    expect(first).not.toContain("eu-3");
    expect(first).not.toContain("us-1");
    const second = await (await get("/_edd/?service=accounts&prefix=eu-&after=eu-2")).text();
    expect(visibleText(second)).toContain("eu-3");
    expect(second).not.toContain("Next page");
  });

  it("finds an aggregate by a claimed name, or says nobody claimed it", async () => {
    const { command, get } = explorerFixture();
    await command([open("acc-9", "dora@example.com")]);
    const found = await get("/_edd/identity?realm=default&service=accounts&name=dora%40example.com");
    expect(found.status).toBe(303);
    expect(found.headers.get("location")).toBe("/_edd/aggregates/accounts/acc-9?realm=default");
    const missing = await get("/_edd/identity?service=accounts&name=nobody%40example.com");
    expect(missing.status).toBe(404);
    expect(visibleText(await missing.text())).toContain("No aggregate of accounts has claimed “nobody@example.com”");
  });
});
