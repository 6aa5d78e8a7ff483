import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { Backend } from "../core/ports/backend.js";
import { createEngine, type Engine } from "../core/index.js";
import { dispatchQueuedCommand, redriveDeadLetter } from "edd/pipeline";
import { createOutboxRelay } from "edd/pipeline";
import { bankServices } from "../examples/bank/services.js";
import { importCommand } from "../runtimes/cli/import.js";
import { createHttpApp } from "../runtimes/http/app.js";
import { describePostgres } from "./store-postgres-support.js";
import { realm, runCli } from "./support/data-cli.js";
import { moveFixture } from "./support/data-moves.js";

const { endpoint, file, pglite, postgres, dynamo, exportTo } = moveFixture("edd-move-");

/** One request as a client sent it, and the exact text it was answered with. */
interface Sent {
  readonly body: string;
  readonly status: number;
  readonly text: string;
}

async function post(engine: Engine, body: unknown): Promise<Sent> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const response = await createHttpApp(engine).request("/command", {
    method: "POST",
    body: text,
    headers: { "content-type": "application/json" },
  });
  return { body: text, status: response.status, text: await response.text() };
}

const command = (name: string, aggregateId: string, attributes: Record<string, unknown>, meta?: Record<string, unknown>) => ({
  requestId: randomUUID(),
  interactionId: randomUUID(),
  ...(meta === undefined ? {} : { meta }),
  commands: [{ command: name, aggregateId, attributes }],
});

/**
 * The bank as a regulator finds it: answered and rejected requests, a refused one, a transfer
 * delivered by effects and one whose effects are still in the outbox, and dead letters open,
 * redriven and discarded.
 */
async function bankHistory(tools: Backend): Promise<Sent[]> {
  const engine = createEngine({ services: bankServices, store: tools.store });
  const sent: Sent[] = [];
  sent.push(await post(engine, command("OpenAccount", "a", { owner: "ana@example.com" }, { channel: "web" })));
  sent.push(await post(engine, command("OpenAccount", "b", { owner: "bo@example.org" })));
  sent.push(await post(engine, command("Deposit", "a", { amount: 500 })));
  sent.push(await post(engine, command("Withdraw", "b", { amount: 1 }))); // 422, stored
  sent.push(await post(engine, command("RequestTransfer", "t1", { from: "a", to: "b", amount: 125 })));
  await createOutboxRelay(engine).drain();
  sent.push(await post(engine, command("RequestTransfer", "t2", { from: "a", to: "b", amount: 5 }))); // effects left in the outbox
  expect((await post(engine, "{not json")).status).toBe(400); // refused: in the request log only
  const poison = (id: string) => JSON.stringify(command("Deposit", id, { amount: 3 }));
  for (const body of [poison("nobody"), "{oops", poison("late")]) await dispatchQueuedCommand(engine, { body, source: "sqs:bank" });
  const [, malformed, late] = await tools.store.listDeadLetters(realm);
  await tools.store.resolveDeadLetter(malformed?.id as string, { outcome: "discarded", operator: "ops", at: "2026-03-04T05:06:07.089Z" });
  sent.push(await post(engine, command("OpenAccount", "late", { owner: "late@example.com" })));
  expect((await redriveDeadLetter(engine, late?.id as string, realm, { operator: "ops" })).outcome).toBe("applied");
  expect(sent.map((s) => s.status)).toEqual([200, 200, 200, 422, 200, 200, 200]);
  return sent;
}

/** Every old request sent again to the moved realm: the stored answer, byte for byte, and not one new event. */
async function expectRetriesAnsweredFromTheStore(tools: Backend, sent: readonly Sent[]): Promise<void> {
  const engine = createEngine({ services: bankServices, store: tools.store });
  const before = (await tools.store.readFeed(realm, undefined, 1000)).events.length;
  for (const request of sent) {
    const again = await post(engine, JSON.parse(request.body));
    expect({ status: again.status, text: again.text }).toEqual({ status: request.status, text: request.text });
  }
  expect((await tools.store.readFeed(realm, undefined, 1000)).events.length).toBe(before);
}

describePostgres("a realm moves whole", () => {
  it.skipIf(typeof endpoint !== "string")(
    "PGlite → PostgreSQL → DynamoDB → PGlite: every record kind byte-identical, old requests answered from the store after each hop",
    async () => {
      const source = await pglite();
      const sent = await bankHistory(source);
      const original = await exportTo(source, "pglite");
      const kinds = original
        .trimEnd()
        .split("\n")
        .map((line) => (JSON.parse(line) as { kind: string }).kind);
      const count = (kind: string) => kinds.filter((k) => k === kind).length;
      expect(JSON.parse(original.trimEnd().split("\n").at(-1) as string)).toEqual({
        kind: "end",
        events: count("event"),
        identities: 3,
        responses: 7 + 4 + 1, // seven client answers (one rejection), four effects of t1, the redriven queued deposit
        requests: count("request"),
        deadLetters: 3,
        outbox: 1,
      });
      expect(count("request")).toBeGreaterThanOrEqual(8);
      expect(original).toContain('"resolution":{"at":"2026-03-04T05:06:07.089Z","operator":"ops","outcome":"discarded"}');
      expect(original).toContain('"outcome":"redriven"');
      expect(original).toMatch(/"kind":"request".*"body":"\{not json".*"errorCode":"malformed-json"/);

      let previous = "pglite";
      for (const [name, open] of [
        ["postgres", postgres],
        ["dynamodb", async () => dynamo()],
        ["pglite-again", pglite],
      ] as const) {
        const target = await open();
        const imported = await runCli(importCommand, target, ["--realm", realm, file(previous)]);
        expect(imported.code, imported.err).toBe(0);
        expect(await exportTo(target, name)).toBe(original);
        await expectRetriesAnsweredFromTheStore(target, sent);
        // The undelivered effects of t2 moved too: the target's relay completes the transfer.
        previous = name;
        if (name === "pglite-again") {
          await createOutboxRelay(createEngine({ services: bankServices, store: target.store })).drain();
          const events = (await target.store.readFeed(realm, undefined, 1000)).events;
          expect(events.filter((e) => e.aggregateId === "t2").map((e) => e.type)).toEqual([
            "TransferRequested",
            "TransferDebited",
            "TransferCompleted",
          ]);
        }
      }
    },
    240_000,
  );
});
