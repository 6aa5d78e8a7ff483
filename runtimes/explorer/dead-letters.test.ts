import { describe, expect, it } from "vitest";
import { dispatchQueuedCommand } from "../../core/pipeline/effects/queue.js";
import { deposit, type ExplorerFixture, explorerFixture, open, visibleText, withdraw } from "../../test/support/explorer-fixtures.js";

/** A queued withdrawal the account cannot cover yet: rejected, so it lands in dead letters. */
async function deadLetteredWithdrawal(fixture: ExplorerFixture, requestId = crypto.randomUUID()): Promise<string> {
  const body = JSON.stringify({ requestId, interactionId: crypto.randomUUID(), commands: [withdraw("acc-1", 40)] });
  const outcome = await dispatchQueuedCommand(fixture.engine, { body, source: "test:queue" });
  if (outcome.outcome !== "dead-lettered") throw new Error(`expected a dead letter, got ${outcome.outcome}`);
  return outcome.deadLetterId;
}

const withdrawals = async (fixture: ExplorerFixture) =>
  (await fixture.store.readAggregateEvents({ realm: "default", service: "accounts", aggregateId: "acc-1" })).filter(
    (event) => event.type === "Withdrawn",
  ).length;

describe("dead letters", () => {
  it("lists a dead letter with its error, attempts and message", async () => {
    const fixture = explorerFixture();
    await fixture.command([open("acc-1", "ana@example.com")]);
    const id = await deadLetteredWithdrawal(fixture);
    const text = visibleText(await (await fixture.get("/_edd/dead-letters")).text());
    expect(text).toMatch(new RegExp(`${id} test:queue insufficient-funds\\s*: Balance 0 is less than 40\\. 1 `));
    expect(text).toContain('"command": "Withdraw"');
  });

  it("redrives once the cause is fixed, applying the command exactly once", async () => {
    const fixture = explorerFixture();
    await fixture.command([open("acc-1", "ana@example.com")]);
    const requestId = crypto.randomUUID();
    const first = await deadLetteredWithdrawal(fixture, requestId);
    // The platform delivered the same message twice; both copies failed.
    const second = await deadLetteredWithdrawal(fixture, requestId);

    const tooEarly = await fixture.post(`/_edd/dead-letters/${first}/redrive?realm=default`);
    expect(tooEarly.status).toBe(422);
    expect(visibleText(await tooEarly.text())).toContain(`Redrive of dead letter ${first} failed again (insufficient-funds`);

    await fixture.command([deposit("acc-1", 100)]);
    const redriven = await fixture.post(`/_edd/dead-letters/${first}/redrive?realm=default`);
    expect(redriven.status).toBe(303);
    const listed = visibleText(await (await fixture.get(redriven.headers.get("location") as string)).text());
    expect(listed).toContain(`Dead letter ${first} was redriven; its record stays in the history.`);
    expect(await withdrawals(fixture)).toBe(1);

    // The copy carries the same request id: answered from the idempotency store, no second withdrawal.
    expect((await fixture.post(`/_edd/dead-letters/${second}/redrive?realm=default`)).status).toBe(303);
    expect(await withdrawals(fixture)).toBe(1);
    expect(await fixture.store.listDeadLetters()).toEqual([]);
    expect((await fixture.post(`/_edd/dead-letters/${first}/redrive?realm=default`)).status).toBe(404);
  });

  it("discards after a confirmation page", async () => {
    const fixture = explorerFixture();
    const id = await deadLetteredWithdrawal(fixture);
    const confirm = await fixture.get(`/_edd/dead-letters/${id}/discard?realm=default`);
    expect(visibleText(await confirm.text())).toContain(`Discard dead letter ${id}?`);
    expect(await fixture.store.listDeadLetters()).toHaveLength(1);
    const discarded = await fixture.post(`/_edd/dead-letters/${id}/discard?realm=default`);
    expect(discarded.status).toBe(303);
    expect(await fixture.store.listDeadLetters()).toEqual([]);
    // Kept as history, marked with the operator who discarded it.
    const [kept] = await fixture.store.listDeadLetters(undefined, { includeResolved: true });
    expect(kept).toMatchObject({ id, resolution: { outcome: "discarded" } });
    const history = visibleText(await (await fixture.get("/_edd/dead-letters?realm=default&history=1")).text());
    expect(history).toContain(`discarded by ${kept?.resolution?.operator} at`);
    expect(visibleText(await (await fixture.get("/_edd/dead-letters?realm=default")).text())).toContain("No open dead letters");
  });

  it("changes nothing on a POST from another origin", async () => {
    const fixture = explorerFixture();
    const id = await deadLetteredWithdrawal(fixture);
    expect((await fixture.post(`/_edd/dead-letters/${id}/discard`, { origin: "https://evil.example" })).status).toBe(403);
    expect((await fixture.post(`/_edd/dead-letters/${id}/redrive`, {})).status).toBe(403);
    expect(await fixture.store.listDeadLetters()).toHaveLength(1);
  });

  it("does not reach a dead letter of another realm", async () => {
    const fixture = explorerFixture();
    const outcome = await dispatchQueuedCommand(fixture.engine, { body: "not json", realm: "other", source: "test:queue" });
    const id = outcome.outcome === "dead-lettered" ? outcome.deadLetterId : "";
    expect((await fixture.post(`/_edd/dead-letters/${id}/discard?realm=default`)).status).toBe(404);
    expect(await fixture.store.listDeadLetters("other")).toHaveLength(1);
  });
});
