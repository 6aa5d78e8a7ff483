import { describe, expect, it } from "vitest";
import { memoryAuditReader } from "../adapters/memory/audit.js";
import { createOutboxRelay } from "edd/pipeline";
import { principalQueriesNotSupported } from "../core/ports/audit.js";
import { deposit, explorerFixture, open, visibleText } from "./support/explorer-fixtures.js";

const transfer = { command: "RequestTransfer", aggregateId: "t-1", attributes: { from: "a-1", to: "a-2", amount: 20 } };

describe("explorer: everything one principal initiated", () => {
  it("lists the principal's requests and the events written on its behalf, effects included, linked from each event", async () => {
    const fixture = explorerFixture();
    expect(await fixture.command([open("a-1", "ana@example.com"), open("a-2", "bo@example.com"), deposit("a-1", 50)])).toBe(200);
    const requestId = crypto.randomUUID();
    expect(await fixture.command([transfer], { requestId })).toBe(200);
    await createOutboxRelay(fixture.engine).drain();

    // The debit was applied by the transfer's effect; its initiator is the clerk, linked.
    const timeline = await (await fixture.get("/_edd/aggregates/accounts/a-1")).text();
    expect(timeline).toContain('href="/_edd/principals/clara?realm=default"');
    expect(visibleText(timeline)).toMatch(/3 Withdrawn \S+ \S+ UTC clara system:effects\/transfers/);

    const response = await fixture.get("/_edd/principals/clara?realm=default");
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).not.toMatch(/<script/);
    const text = visibleText(html);
    expect(text).toContain("Initiated by clara");
    expect(text.match(/Requests sent, newest first([\s\S]*?)Events initiated/)?.[1]).toContain(requestId);
    const events = text.slice(text.indexOf("Events initiated, newest first"));
    expect([...events.matchAll(/(\w+\/[\w-]+ #\d+) (\w+)/g)].map((match) => `${match[1]} ${match[2]}`)).toEqual([
      "transfers/t-1 #3 TransferCompleted",
      "accounts/a-2 #2 Deposited",
      "transfers/t-1 #2 TransferDebited",
      "accounts/a-1 #3 Withdrawn",
      "transfers/t-1 #1 TransferRequested",
      "accounts/a-1 #2 Deposited",
      "accounts/a-2 #1 AccountOpened",
      "accounts/a-1 #1 AccountOpened",
    ]);
    expect(html).toContain('href="/_edd/aggregates/accounts/a-1?realm=default&amp;at=3#event-3"');

    // The request log names who sent each request, linked to the same page.
    const log = await (await fixture.get(`/_edd/requests?realm=default&requestId=${requestId}`)).text();
    expect(log).toContain('href="/_edd/principals/clara?realm=default"');
    expect(visibleText(log)).toMatch(/sent by clara \(\w+\)/);
  });

  it("pages each list on its own cursor, and refuses a cursor that is not a number", async () => {
    const fixture = explorerFixture({ pageSize: 2 });
    for (const id of ["a-1", "a-2", "a-3"]) await fixture.command([open(id, `${id}@example.com`)]);
    const first = await (await fixture.get("/_edd/principals/clara")).text();
    const older = /href="([^"]*eventsBefore=[^"]*)"/.exec(first)?.[1]?.replaceAll("&amp;", "&");
    expect(older).toBeDefined();
    const second = visibleText(await (await fixture.get(older as string)).text());
    expect(second.slice(second.indexOf("Events initiated, newest first"))).toContain("accounts/a-1 #1");
    expect(second).toContain("Newest events");
    expect((await fixture.get("/_edd/principals/clara?eventsBefore=x")).status).toBe(400);
    expect((await fixture.get("/_edd/principals/clara?before=99999999999999999999")).status).toBe(400);
    const nobody = visibleText(await (await fixture.get("/_edd/principals/nobody")).text());
    expect(nobody).toContain("No request logged from this principal.");
    expect(nobody).toContain("No event names this principal as its initiator.");
  });

  it("says politely when the store cannot list what a principal initiated", async () => {
    const fixture = explorerFixture();
    const reader = memoryAuditReader(fixture.store);
    const limited = explorerFixture({ audit: { ...reader, ...principalQueriesNotSupported("DynamoDB") } });
    const response = await limited.get("/_edd/principals/clara");
    expect(response.status).toBe(200);
    const text = visibleText(await response.text());
    expect(text).toContain("This store (DynamoDB) cannot list these: it keeps no index for them.");
    expect(text).not.toContain("Something failed");
  });
});
