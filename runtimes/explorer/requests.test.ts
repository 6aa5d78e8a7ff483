import { describe, expect, it } from "vitest";
import { deposit, explorerFixture, open, visibleText, withdraw } from "../../test/support/explorer-fixtures.js";

describe("request log", () => {
  it("finds a request by id with its outcome and the aggregates it changed", async () => {
    const { command, get } = explorerFixture();
    const requestId = crypto.randomUUID();
    await command([open("acc-1", "ana@example.com")]);
    await command([deposit("acc-1", 10)], { requestId });
    const html = await (await get(`/_edd/requests?requestId=${requestId}`)).text();
    const text = visibleText(html);
    expect(text).toContain("Matching requests");
    expect(text).toContain(requestId);
    expect(text).toMatch(/command: Deposit 200/);
    expect(html).toContain('href="/_edd/aggregates/accounts/acc-1?realm=default&amp;at=2#event-2"');
    expect(html.match(/<tbody>[\s\S]*<\/tbody>/)?.[0].match(/<tr>/g)).toHaveLength(1);
  });

  it("shows the status and error code of a rejected request", async () => {
    const { command, get } = explorerFixture();
    const requestId = crypto.randomUUID();
    await command([open("acc-1", "ana@example.com")]);
    expect(await command([withdraw("acc-1", 50)], { requestId })).toBe(422);
    const text = visibleText(await (await get(`/_edd/requests?requestId=${requestId}`)).text());
    expect(text).toMatch(/command: Withdraw 422 insufficient-funds none/);
  });

  it("lists the requests of an interaction newest first, and pages through the log", async () => {
    const { command, get } = explorerFixture({ pageSize: 2 });
    const interactionId = crypto.randomUUID();
    await command([open("acc-1", "ana@example.com")], { interactionId });
    await command([deposit("acc-1", 1)]);
    await command([deposit("acc-1", 2)], { interactionId });
    const interaction = visibleText(await (await get(`/_edd/requests?interactionId=${interactionId}`)).text());
    expect(interaction.indexOf("Deposit")).toBeGreaterThan(-1);
    expect(interaction.indexOf("Deposit")).toBeLessThan(interaction.indexOf("OpenAccount"));

    const first = await (await get("/_edd/requests")).text();
    expect(visibleText(first)).not.toContain("OpenAccount");
    const older = first.match(/href="([^"]+)" rel="next"/)?.[1]?.replaceAll("&amp;", "&");
    expect(older).toBeDefined();
    const second = visibleText(await (await get(older as string)).text());
    expect(second).toContain("OpenAccount");
  });
});
