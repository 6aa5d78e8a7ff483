import { describe, expect, it } from "vitest";
import { createEngine, type Logger } from "edd";
import { MemoryStore } from "edd/memory";
import { dispatchUploadedCommands, realmFromKey } from "edd/pipeline";
import { bankServices } from "../examples/bank/services.js";

const line = (requestId: string, command: string, aggregateId: string, attributes: Record<string, unknown>) =>
  JSON.stringify({ requestId, interactionId: requestId, commands: [{ command, aggregateId, attributes }] });
const id = (n: number) => `40000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

function bank() {
  const store = new MemoryStore();
  return { store, engine: createEngine({ services: bankServices, store }) };
}

describe("commands from uploaded objects", () => {
  it("takes the realm from the key, and ignores keys outside the prefix", () => {
    expect(realmFromKey("commands/acme/2026-01-01.jsonl")).toBe("acme");
    expect(realmFromKey("commands/acme/deep/file.json")).toBe("acme");
    expect(realmFromKey("commands/file.json")).toBeUndefined();
    expect(realmFromKey("commands/acme/")).toBeUndefined();
    expect(realmFromKey("other/acme/file.json")).toBeUndefined();
    expect(realmFromKey("in/acme/x.json", "in/")).toBe("acme");
  });

  it("applies JSON Lines in order, reports bad lines by number, and applies nothing twice on a second delivery", async () => {
    const { engine, store } = bank();
    const warnings: unknown[] = [];
    const logger: Logger = { info() {}, error() {}, warn: (_message, fields) => warnings.push(fields) };
    const text = [
      line(id(1), "OpenAccount", "a", { owner: "a@acme.example" }),
      "",
      "{not json",
      line(id(2), "Deposit", "a", { amount: 40 }),
      line(id(3), "Withdraw", "a", { amount: 1000 }),
      line(id(4), "Deposit", "a", { amount: 2 }),
    ].join("\n");
    const upload = { key: "commands/acme/batch.jsonl", text, source: "s3:uploads", logger };
    const report = await dispatchUploadedCommands(engine, upload);
    expect(report).toEqual({
      outcome: "dispatched",
      key: "commands/acme/batch.jsonl",
      realm: "acme",
      requests: 5,
      done: 3,
      deadLettered: 2,
      retry: 0,
      problems: [
        { line: 3, code: "malformed-json", message: "The message body is not valid JSON." },
        { line: 5, code: "insufficient-funds", message: expect.any(String) },
      ],
    });
    expect(warnings).toMatchObject([
      { messageId: "commands/acme/batch.jsonl#3" },
      { messageId: "commands/acme/batch.jsonl#5", requestId: id(3) },
    ]);
    const events = async () => (await store.readFeed("acme", undefined, 100)).events.map((e) => `${e.type} ${JSON.stringify(e.data)}`);
    expect(await events()).toEqual(['AccountOpened {"owner":"a@acme.example"}', 'Deposited {"amount":40}', 'Deposited {"amount":2}']);
    expect((await store.readFeed("default", undefined, 100)).events).toEqual([]);

    const again = await dispatchUploadedCommands(engine, upload);
    expect(again).toMatchObject({ done: 3, deadLettered: 2 });
    expect(await events()).toHaveLength(3);
  });

  it("reads one pretty-printed JSON request as one request", async () => {
    const { engine } = bank();
    const text = `\n${JSON.stringify(JSON.parse(line(id(9), "OpenAccount", "b", { owner: "b@example.com" })), null, 2)}\n`;
    expect(await dispatchUploadedCommands(engine, { key: "commands/default/one.json", text, source: "blob" })).toMatchObject({
      requests: 1,
      done: 1,
      problems: [],
    });
  });

  it("leaves an object under no realm alone", async () => {
    const { engine, store } = bank();
    const report = await dispatchUploadedCommands(engine, { key: "commands/loose.json", text: "{}", source: "blob" });
    expect(report).toMatchObject({ outcome: "ignored" });
    expect(await store.listDeadLetters()).toEqual([]);
  });
});
