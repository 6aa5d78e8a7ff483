import { createHash, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemoryKeyStore } from "../adapters/memory/key-store.js";
import { MemoryStore } from "../adapters/memory/store.js";
import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { nodeCipher } from "../adapters/node-crypto/cipher.js";
import { anonymousPrincipal, createEngine, type Logger } from "../core/index.js";
import { idempotencyKey, rootBreadcrumbs } from "../core/model/breadcrumbs.js";
import { canonicalJsonByCodePoint } from "../core/model/canonical-json.js";
import { protectPersonalData } from "../core/privacy/index.js";
import { redactedMarker } from "../core/privacy/redact.js";
import { bankServices } from "../examples/bank/services.js";

/** What someone holding a dump (or the logs) could compute for a guessed email. */
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const email = "guess.me@example.com";

function bank(options: { logPayloads?: boolean } = {}) {
  const inner = new MemoryStore();
  const store = protectPersonalData(inner, { services: bankServices, keys: new MemoryKeyStore(), cipher: nodeCipher });
  const lines: string[] = [];
  const write = (message: string, fields?: Record<string, unknown>) => lines.push(JSON.stringify({ message, ...fields }));
  const logger: Logger = { info: write, warn: write, error: write };
  const engine = createEngine({ services: bankServices, store, views: new MemoryViewStore(), logger, ...options });
  const open = (aggregateId: string, owner: string, requestId = randomUUID()) =>
    engine.command(
      { requestId, interactionId: randomUUID(), commands: [{ command: "OpenAccount", aggregateId, attributes: { owner } }] },
      anonymousPrincipal,
    );
  return { inner, engine, lines, open };
}

describe("a guessed personal value cannot be confirmed", () => {
  it("from the stored request fingerprint: it is a keyed hash, and resends still replay", async () => {
    const { inner, open } = bank();
    const requestId = randomUUID();
    const first = await open("acc-g", email, requestId);
    expect(first.status).toBe(200);
    const stored = await inner.findResponse(anonymousPrincipal.realm, idempotencyKey(requestId, rootBreadcrumbs));
    const guessed = sha256(
      canonicalJsonByCodePoint({ commands: [{ command: "OpenAccount", aggregateId: "acc-g", attributes: { owner: email } }] }),
    );
    expect(stored?.requestHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored?.requestHash).not.toBe(guessed);
    // The keyed fingerprint still binds the answer to the request: the same one replays, another is refused.
    expect(await open("acc-g", email, requestId)).toEqual(first);
    expect((await open("acc-g", "other@example.com", requestId)).body).toMatchObject({ error: { code: "idempotency-key-reused" } });
  });

  it("from log lines with logPayloads: personal attributes of commands and queries are redacted", async () => {
    const { engine, lines, open } = bank({ logPayloads: true });
    await open("acc-l", email);
    await engine.query({ query: { query: "FindAccountByOwner", attributes: { owner: email } } }, anonymousPrincipal);
    await engine.query({ query: { query: "SearchAccounts", attributes: { owner: "guess" } } }, anonymousPrincipal);
    const received = lines.filter((line) => line.includes("received"));
    expect(received).toHaveLength(3);
    expect(received.join("\n")).toContain(redactedMarker);
    expect(lines.join("\n")).not.toMatch(/guess/);
    expect(received[0]).toContain('"aggregateId":"acc-l"');
  });

  it("from refusals: an identity conflict names neither the email nor its hash, in the answer or the request log", async () => {
    const { inner, open } = bank();
    await open("acc-1", email);
    const conflict = await open("acc-2", email);
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({
      error: { code: "identity-conflict", details: { service: "accounts", identity: "(personal data)" } },
    });
    expect(JSON.stringify(conflict.body)).not.toMatch(/guess|edd:hmac/);

    const log = inner.requestLog(anonymousPrincipal.realm);
    const text = JSON.stringify(log);
    expect(text).not.toMatch(/guess/);
    expect(log.find((entry) => entry.outcome?.errorCode === "identity-conflict")?.outcome?.errorMessage).toContain("(personal data)");
  });

  it("from a refused request's log entry: the body is dropped and its hash is keyed", async () => {
    const { inner, engine } = bank();
    const body = {
      requestId: randomUUID(),
      interactionId: randomUUID(),
      commands: [{ command: "OpenAccount", aggregateId: "acc-4", attributes: { owner: email } }],
      extra: 1,
    };
    expect((await engine.command(body, anonymousPrincipal)).status).toBe(400);
    const [entry] = inner.requestLog(anonymousPrincipal.realm);
    expect(entry?.body).toBeNull();
    expect(entry?.bodySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(entry?.bodySha256).not.toBe(sha256(JSON.stringify(body)));
  });
});
