import { describe, expect, it } from "vitest";
import { createOutboxRelay } from "edd/pipeline";
import { deposit, explorerFixture, open, visibleText, withdraw } from "./support/explorer-fixtures.js";

const transfer = (id: string, from: string, to: string, amount: number) => ({
  command: "RequestTransfer",
  aggregateId: id,
  attributes: { from, to, amount },
});

describe("explorer: a request's causal tree", () => {
  it("draws a transfer as the request, its effects and the events each wrote, nested by breadcrumbs", async () => {
    const fixture = explorerFixture();
    expect(await fixture.command([open("a-1", "ana@example.com"), open("a-2", "bo@example.com"), deposit("a-1", 50)])).toBe(200);
    const requestId = crypto.randomUUID();
    expect(await fixture.command([transfer("t-1", "a-1", "a-2", 20)], { requestId })).toBe(200);
    await createOutboxRelay(fixture.engine).drain();

    const page = await fixture.get(`/_edd/requests/${requestId}/tree?realm=default`);
    expect(page.status).toBe(200);
    const html = await page.text();
    // Each step is a list item inside the one that caused it: five levels deep, one step per level.
    const nesting = [...html.matchAll(/<li data-breadcrumbs="([\d.]+)"/g)].map((match) => match[1]);
    expect(nesting).toEqual(["0", "0.0", "0.0.0", "0.0.0.0", "0.0.0.0.0"]);
    const depthOf = (breadcrumbs: string) => {
      const before = html.slice(0, html.indexOf(`data-breadcrumbs="${breadcrumbs}"`));
      return (before.match(/<ul/g) ?? []).length - (before.match(/<\/ul>/g) ?? []).length;
    };
    expect(["0", "0.0", "0.0.0", "0.0.0.0", "0.0.0.0.0"].map(depthOf)).toEqual([1, 2, 3, 4, 5]);

    const text = visibleText(html);
    expect(text).toContain("5 steps across accounts, transfers");
    expect(text).toMatch(/RequestTransfer on t-1 200 TransferRequested → transfers\/t-1 #1/);
    expect(text).toMatch(
      /accounts\.DebitForTransfer on a-1 200 caused by TransferRequested \(transfers\/t-1 #1\) Withdrawn → accounts\/a-1 #3/,
    );
    expect(text).toMatch(
      /accounts\.CreditForTransfer on a-2 200 caused by TransferDebited \(transfers\/t-1 #2\) Deposited → accounts\/a-2 #2/,
    );
    expect(text).toContain("TransferCompleted → transfers/t-1 #3");
    // Every event links to its place in its aggregate's timeline.
    expect(html).toContain('href="/_edd/aggregates/accounts/a-1?realm=default&amp;at=3#event-3"');
  });

  it("marks a step that failed and answers 404 for a request nobody sent", async () => {
    const fixture = explorerFixture();
    await fixture.command([open("a-1", "ana@example.com")]);
    const requestId = crypto.randomUUID();
    expect(await fixture.command([withdraw("a-1", 500)], { requestId })).toBe(422);
    const text = visibleText(await (await fixture.get(`/_edd/requests/${requestId}/tree?realm=default`)).text());
    expect(text).toMatch(/Withdraw on a-1 422 insufficient-funds/);

    const missing = await fixture.get(`/_edd/requests/${crypto.randomUUID()}/tree?realm=default`);
    expect(missing.status).toBe(404);
    expect(visibleText(await missing.text())).toContain("nothing was logged or written under that id");
  });

  it("is linked from the request log and from every event", async () => {
    const fixture = explorerFixture();
    const requestId = crypto.randomUUID();
    await fixture.command([open("a-1", "ana@example.com")], { requestId });
    const tree = `/_edd/requests/${requestId}/tree?realm=default`;
    expect(await (await fixture.get("/_edd/requests?realm=default")).text()).toContain(`href="${tree}"`);
    expect(await (await fixture.get("/_edd/aggregates/accounts/a-1")).text()).toContain(`href="${tree}"`);
  });
});

describe("explorer: a numeric state field as a chart", () => {
  it("draws the balance over versions as inline SVG, with the numbers in words", async () => {
    const fixture = explorerFixture();
    await fixture.command([open("a-1", "ana@example.com")]);
    for (const amount of [100, 50, 25]) await fixture.command([deposit("a-1", amount)]);
    await fixture.command([withdraw("a-1", 120)]);

    const html = await (await fixture.get("/_edd/aggregates/accounts/a-1")).text();
    const svg = html.match(/<svg[\s\S]*?<\/svg>/)?.[0] ?? "";
    expect(svg).toContain('role="img"');
    expect(svg).not.toMatch(/<script|style=|on\w+=/);
    const summary = "balance over versions 1 to 5: from 0 to 55, lowest 0, highest 175.";
    expect(svg).toContain(`aria-label="${summary}"`);
    // Versions 1..5 spread left to right; the highest balance (175, version 4) is drawn highest (smallest y).
    const points = (svg.match(/\spoints="([^"]+)"/)?.[1] ?? "").split(" ").map((pair) => pair.split(",").map(Number));
    expect(points).toHaveLength(5);
    const xs = points.map(([x]) => x as number);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    const ys = points.map(([, y]) => y as number);
    expect(Math.min(...ys)).toBe(ys[3]);
    expect(Math.max(...ys)).toBe(ys[0]);
  });

  it("charts another numeric field when asked, and no chart when the state has no number", async () => {
    const fixture = explorerFixture();
    await fixture.command([{ command: "Write", aggregateId: "n-1", attributes: { text: "hello" } }]);
    expect(await (await fixture.get("/_edd/aggregates/notes/n-1")).text()).not.toContain("<svg");
    await fixture.command([open("a-1", "ana@example.com")]);
    const html = await (await fixture.get("/_edd/aggregates/accounts/a-1?field=nothing-like-this")).text();
    expect(html).toContain("balance over versions");
  });
});

describe("explorer: paging long histories", () => {
  it("opens a 10,000-event aggregate on its latest page of bounded size, with links through every page", async () => {
    const fixture = explorerFixture({ eventsPerPage: 100 });
    await fixture.command([open("a-1", "ana@example.com")]);
    // 9,999 deposits in requests of 100 commands each: the store holds 10,000 events.
    for (let done = 0; done < 9_999; done += 100) {
      const count = Math.min(100, 9_999 - done);
      expect(await fixture.command(Array.from({ length: count }, () => deposit("a-1", 1)))).toBe(200);
    }

    const started = performance.now();
    const response = await fixture.get("/_edd/aggregates/accounts/a-1");
    const html = await response.text();
    const elapsed = performance.now() - started;
    console.info(`explorer: a 10,000-event aggregate opened in ${elapsed.toFixed(0)} ms (memory store, 100 events per page)`);

    expect(response.status).toBe(200);
    const text = visibleText(html);
    expect(text).toContain("Version 10000");
    expect(text).toContain("Events 9901 to 10000 of 10000");
    expect(html.match(/<li id="event-\d+"/g)).toHaveLength(100);
    expect(html).toContain('id="event-10000"');
    expect(html).not.toContain('id="event-9900"');
    // The chart covers every version, drawn with a bounded number of points.
    expect(html).toContain("balance over versions 1 to 10000: from 0 to 9999");
    expect(Number(html.match(/data-points="(\d+)"/)?.[1])).toBeLessThanOrEqual(600);
    // The state after the first event on this page is folded from all the ones before it.
    expect(visibleText(html.slice(html.indexOf('id="event-9901"')))).toMatch(/balance 9900 changed/);

    const link = (label: string, from: string) => {
      const match = new RegExp(`<a href="([^"]+)"(?: rel="\\w+")?>${label}</a>`).exec(from);
      return match?.[1]?.replaceAll("&amp;", "&");
    };
    const earlier = link("Earlier events", html);
    expect(earlier).toBe("/_edd/aggregates/accounts/a-1?realm=default&at=9900");
    expect(link("Later events", html)).toBeUndefined();
    const previous = await (await fixture.get(earlier ?? "")).text();
    expect(visibleText(previous)).toContain("Events 9801 to 9900 of 10000");
    expect(link("Later events", previous)).toBe("/_edd/aggregates/accounts/a-1?realm=default&at=9901");

    const first = await (await fixture.get(link("First events", previous) ?? "")).text();
    expect(visibleText(first)).toContain("Events 1 to 100 of 10000");
    expect(link("Earlier events", first)).toBeUndefined();
    expect(visibleText(first.slice(first.indexOf('id="event-1"')))).toMatch(/1\. AccountOpened/);

    // A link to one event lands on the page that holds it.
    const middle = await (await fixture.get("/_edd/aggregates/accounts/a-1?realm=default&at=4321")).text();
    expect(visibleText(middle)).toContain("Events 4301 to 4400 of 10000");
    expect(middle).toContain('id="event-4321"');
  }, 60_000);

  it("refuses a page position that is not an event sequence", async () => {
    const fixture = explorerFixture();
    await fixture.command([open("a-1", "ana@example.com")]);
    for (const at of ["0", "-1", "abc", "1e9", "9".repeat(20)]) {
      const response = await fixture.get(`/_edd/aggregates/accounts/a-1?at=${at}`);
      expect(response.status, at).toBe(400);
      expect(await response.text()).toMatch(/Parameter &#34;at&#34; must be an event sequence/);
    }
    // Past the end: the last page.
    expect(visibleText(await (await fixture.get("/_edd/aggregates/accounts/a-1?at=99")).text())).toContain("Events 1 to 1 of 1");
  });

  it("pages the request log with older and newest links", async () => {
    const fixture = explorerFixture({ pageSize: 2 });
    for (const id of ["a-1", "a-2", "a-3", "a-4", "a-5"]) await fixture.command([open(id, `${id}@example.com`)]);
    const first = await (await fixture.get("/_edd/requests?realm=default")).text();
    expect(first.match(/<tr>/g)?.length).toBe(3); // header and two requests
    expect(first).not.toContain("Newest requests");
    const older = /<a href="([^"]+)" rel="next">Older requests<\/a>/.exec(first)?.[1]?.replaceAll("&amp;", "&") ?? "";
    const second = await (await fixture.get(older)).text();
    expect(visibleText(second)).toContain("a-3");
    expect(visibleText(second)).not.toContain("a-5");
    expect(second).toContain("Newest requests");
  });
});
