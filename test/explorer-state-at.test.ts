import { describe, expect, it } from "vitest";
import { deposit, explorerFixture, open, visibleText, withdraw } from "./support/explorer-fixtures.js";

/** An account opened, given 100 then 50, then charged 30: versions 1 to 4. */
async function account() {
  const fixture = explorerFixture();
  for (const command of [open("a-1", "ana@example.com"), deposit("a-1", 100), deposit("a-1", 50), withdraw("a-1", 30)])
    expect(await fixture.command([command])).toBe(200);
  return fixture;
}

const balanceRow = (text: string) => /balance (\d+)/.exec(text.slice(text.indexOf("State at version")))?.[1];

describe("explorer: an aggregate's state at a point in time", () => {
  it("shows the state after a chosen version, folded from the events, linked to that event", async () => {
    const fixture = await account();
    const response = await fixture.get("/_edd/aggregates/accounts/a-1/state?realm=default&version=2");
    expect(response.status).toBe(200);
    const html = await response.text();
    const text = visibleText(html);
    expect(text).toContain("Version 2 of 4");
    expect(balanceRow(text)).toBe("100");
    expect(html).toContain('href="/_edd/aggregates/accounts/a-1?realm=default&amp;at=2#event-2"');
    expect(html).not.toMatch(/<script/);

    expect(balanceRow(visibleText(await (await fixture.get("/_edd/aggregates/accounts/a-1/state?version=4")).text()))).toBe("120");
    const initial = visibleText(await (await fixture.get("/_edd/aggregates/accounts/a-1/state?version=0")).text());
    expect(initial).toContain("Version 0 of 4 (the initial state, before any event)");
    expect(initial).toContain("Before any event");
    // Without a point: the latest state.
    expect(visibleText(await (await fixture.get("/_edd/aggregates/accounts/a-1/state")).text())).toContain("Version 4 of 4");
  });

  it("shows the state as it stood at an instant", async () => {
    const fixture = await account();
    const events = await fixture.store.readAggregateEvents({ realm: "default", service: "accounts", aggregateId: "a-1" });
    const second = events[1]?.time as string;
    // Commands may share a millisecond: the state at that instant folds every event written by then.
    const expected = events.filter((event) => Date.parse(event.time) <= Date.parse(second)).length;
    const text = visibleText(await (await fixture.get(`/_edd/aggregates/accounts/a-1/state?time=${encodeURIComponent(second)}`)).text());
    expect(text).toContain(`Version ${expected} of 4`);
    expect(balanceRow(text)).toBe(String([0, 0, 100, 150, 120][expected]));
    const before = visibleText(await (await fixture.get("/_edd/aggregates/accounts/a-1/state?time=2000-01-01T00:00:00Z")).text());
    expect(before).toContain("Version 0 of 4");
  });

  it("answers a point that is not one with 400 and the form, and a missing aggregate with 404", async () => {
    const fixture = await account();
    for (const [query, message] of [
      ["version=two", "The version is a whole number from 0."],
      ["version=-1", "The version is a whole number from 0."],
      ["time=yesterday", "The instant is not a time"],
      ["version=1&time=2026-01-01T00:00:00Z", "Give a version or an instant, not both."],
    ] as const) {
      const response = await fixture.get(`/_edd/aggregates/accounts/a-1/state?${query}`);
      expect(response.status, query).toBe(400);
      const text = visibleText(await response.text());
      expect(text).toContain(message);
      expect(text).toContain("Show state");
    }
    expect((await fixture.get("/_edd/aggregates/accounts/nobody/state?version=1")).status).toBe(404);
    expect((await fixture.get("/_edd/aggregates/nothing/a-1/state")).status).toBe(404);
  });

  it("is linked from the aggregate's timeline", async () => {
    const fixture = await account();
    const html = await (await fixture.get("/_edd/aggregates/accounts/a-1")).text();
    expect(html).toContain('href="/_edd/aggregates/accounts/a-1/state?realm=default"');
  });
});
