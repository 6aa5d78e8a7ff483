import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileObjectStore } from "edd/filesystem";
import { MemoryStore } from "edd/memory";
import { classifyFailure, dispatchQueuedCommand, offloadIfLarge } from "edd/pipeline";
import { createEngine, type Logger } from "edd";
import { bankServices } from "../examples/bank/services.js";

const root = mkdtempSync(join(tmpdir(), "edd-failures-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function recordingLogger(): Logger & { warnings: { message: string; fields?: Record<string, unknown> }[] } {
  const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
  return { info() {}, error() {}, warn: (message, fields) => warnings.push({ message, ...(fields ? { fields } : {}) }), warnings };
}

let nextId = 0;
function request(command: string, aggregateId: string, attributes: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const id = `30000000-0000-4000-8000-${String(++nextId).padStart(12, "0")}`;
  return { requestId: id, interactionId: id, breadcrumbs: [0, 2], commands: [{ command, aggregateId, attributes, ...extra }] };
}

function bank() {
  const store = new MemoryStore();
  return { store, engine: createEngine({ services: bankServices, store }) };
}

describe("the failure table", () => {
  const answer = (status: number, code: string) => ({ status, body: { invocationId: "i", error: { code, message: code } } });

  it("classifies every outcome as the docs say", () => {
    expect(classifyFailure(answer(409, "identity-conflict"))).toBe("permanent");
    expect(classifyFailure(answer(409, "idempotency-key-reused"))).toBe("permanent");
    expect(classifyFailure(answer(409, "version-mismatch"))).toBe("permanent");
    expect(classifyFailure(answer(409, "version-mismatch"), { ordered: false })).toBe("transient");
    expect(classifyFailure(answer(409, "conflict"))).toBe("transient");
    expect(classifyFailure(answer(400, "invalid-envelope"))).toBe("permanent");
    expect(classifyFailure(answer(422, "rejected"))).toBe("permanent");
    expect(classifyFailure(answer(500, "internal-error"))).toBe("transient");
    expect(classifyFailure(answer(502, "dependency-failed"))).toBe("transient");
  });

  it("dead-letters an identity conflict at once and logs one warning with its ids, breadcrumbs, target and code", async () => {
    const { engine, store } = bank();
    const logger = recordingLogger();
    await dispatchQueuedCommand(engine, { body: JSON.stringify(request("OpenAccount", "a", { owner: "x@example.com" })), source: "sqs:q" });
    const clash = request("OpenAccount", "b", { owner: "x@example.com" });
    const outcome = await dispatchQueuedCommand(engine, { body: JSON.stringify(clash), source: "sqs:q", messageId: "m-2", logger });
    expect(outcome).toMatchObject({ outcome: "dead-lettered", reason: expect.stringMatching(/^identity-conflict/) });
    expect(await store.listDeadLetters("default")).toMatchObject([{ source: "sqs:q", error: { code: "identity-conflict" } }]);
    expect(logger.warnings).toEqual([
      {
        message: "queued command dead-lettered",
        fields: {
          deadLetterId: expect.any(String),
          source: "sqs:q",
          messageId: "m-2",
          realm: "default",
          requestId: clash.requestId,
          interactionId: clash.interactionId,
          breadcrumbs: "0.2",
          target: "OpenAccount/b",
          code: "identity-conflict",
          reason: expect.any(String),
        },
      },
    ]);
  });

  it("dead-letters a version mismatch on an ordered queue, retries it on an unordered one", async () => {
    const { engine, store } = bank();
    await dispatchQueuedCommand(engine, { body: JSON.stringify(request("OpenAccount", "a", { owner: "y@example.com" })), source: "q" });
    const stale = () => JSON.stringify(request("Deposit", "a", { amount: 5 }, { expectedVersion: 7 }));
    expect((await dispatchQueuedCommand(engine, { body: stale(), source: "q", ordered: false })).outcome).toBe("retry");
    expect(await store.listDeadLetters("default")).toEqual([]);
    expect((await dispatchQueuedCommand(engine, { body: stale(), source: "q" })).outcome).toBe("dead-lettered");
    expect(await store.listDeadLetters("default")).toMatchObject([{ error: { code: "version-mismatch" } }]);
  });

  it("retries when the store is unavailable, and logs no dead letter", async () => {
    const { engine, store } = bank();
    const logger = recordingLogger();
    const broken = { ...engine, command: async () => Promise.reject(new Error("connect ECONNREFUSED 10.0.0.5:5432")) };
    const outcome = await dispatchQueuedCommand(broken, {
      body: JSON.stringify(request("Deposit", "a", { amount: 1 })),
      source: "q",
      logger,
    });
    expect(outcome).toMatchObject({ outcome: "retry", reason: expect.stringContaining("ECONNREFUSED") });
    expect(logger.warnings).toEqual([]);
    expect(await store.listDeadLetters("default")).toEqual([]);
  });
});

describe("large commands on every consumer", () => {
  const objects = new FileObjectStore(join(root, "objects"));

  async function largeReference(body: object): Promise<string> {
    const message = { body: JSON.stringify(body), realm: "default", orderingKey: "a", deduplicationId: JSON.stringify(body).slice(0, 60) };
    return (await offloadIfLarge(message, 4096 + 10, objects)).body;
  }

  it("resolves a reference handed over as text or already parsed (the Azure Functions v4 host parses JSON bodies)", async () => {
    const { engine } = bank();
    const open = request("OpenAccount", "a", { owner: `${"z".repeat(200)}@example.com` });
    const reference = await largeReference(open);
    expect(JSON.parse(reference)).toHaveProperty("eddLargeCommand");
    expect((await dispatchQueuedCommand(engine, { body: JSON.parse(reference), source: "sb", objectStore: objects })).outcome).toBe("done");
    expect((await dispatchQueuedCommand(engine, { body: reference, source: "sb", objectStore: objects })).outcome).toBe("done");
    const summary = await engine.query(
      { query: { query: "GetAccount", attributes: { id: "a" } } },
      { id: "u", realm: "default", roles: [] },
    );
    expect(summary.status).toBe(200);
  });

  it("dead-letters a reference the store refuses, retries one it cannot reach or has no store for", async () => {
    const { engine, store } = bank();
    const outside = { eddLargeCommand: { store: "file", key: "../../etc/passwd", bytes: 10 } };
    const refused = await dispatchQueuedCommand(engine, { body: outside, source: "sb", objectStore: objects });
    expect(refused).toMatchObject({ outcome: "dead-lettered", reason: expect.stringMatching(/^refused-object-ref/) });
    const otherKind = { eddLargeCommand: { store: "s3", bucket: "elsewhere", key: "k.json", bytes: 10 } };
    expect((await dispatchQueuedCommand(engine, { body: otherKind, source: "sb", objectStore: objects })).outcome).toBe("dead-lettered");
    const missing = { eddLargeCommand: { store: "file", key: "edd-large-commands/missing.json", bytes: 10 } };
    expect((await dispatchQueuedCommand(engine, { body: missing, source: "sb", objectStore: objects })).outcome).toBe("retry");
    expect((await dispatchQueuedCommand(engine, { body: JSON.stringify(missing), source: "sb" })).outcome).toBe("retry");
    expect((await store.listDeadLetters("default")).map((letter) => letter.error.code)).toEqual([
      "refused-object-ref",
      "refused-object-ref",
    ]);
  });
});
