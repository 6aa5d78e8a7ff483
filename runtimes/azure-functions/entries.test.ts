import { InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { MemoryCheckpointStore, MemoryStore, MemoryViewStore } from "../../adapters/memory/index.js";
import { anonymousPrincipal, createEngine, type Logger } from "../../core/index.js";
import { bankServices } from "../../examples/bank/services.js";
import { accountSummaries } from "../../examples/bank/views.js";
import { BucketObjectStore } from "../../test/support/bucket-object-store.js";
import { type AzureFunctionsApp, registerEdd } from "./index.js";

const open = (requestId: string, aggregateId: string, owner: string) => ({
  requestId,
  interactionId: requestId,
  commands: [{ command: "OpenAccount", aggregateId, attributes: { owner } }],
});
const id = (n: number) => `60000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const context = (triggerMetadata: Record<string, unknown> = {}) => new InvocationContext({ logHandler: () => {}, triggerMetadata });
const timer = {
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: "2026-01-01T00:00:00.000Z", next: "2026-01-01T00:01:00.000Z", lastUpdated: "2026-01-01T00:00:00.000Z" },
};

function setup() {
  const registered: Record<string, Record<string, unknown>> = {};
  const record = (name: string, options: object) => {
    registered[name] = options as Record<string, unknown>;
  };
  const app: AzureFunctionsApp = { http: record, serviceBusQueue: record, timer: record, storageBlob: record };
  const store = new MemoryStore();
  const views = new MemoryViewStore();
  const engine = createEngine({ services: bankServices, store, views });
  const lines: Record<string, unknown>[] = [];
  const logger: Logger = { info() {}, error() {}, warn: (message, fields) => lines.push({ message, ...fields }) };
  const objects = new BucketObjectStore("edd-large-commands", "azure-blob");
  const handlers = registerEdd(app, {
    engine,
    logger,
    objectStore: objects,
    projections: { store, views, checkpoints: new MemoryCheckpointStore(), projections: [accountSummaries], realms: ["default", "acme"] },
    serviceBusQueue: { queueName: "edd-commands", connection: "EDD_SERVICE_BUS" },
    timers: { sweep: "0 */1 * * * *", project: "30 */1 * * * *" },
    blobUploads: { container: "bank-uploads", connection: "EDD_UPLOADS_STORAGE" },
  });
  return { registered, handlers, store, engine, lines, objects };
}

describe("Azure Functions timers, uploads and large commands", () => {
  it("registers the timers and the Blob trigger under edd's function names", () => {
    const { registered, handlers } = setup();
    expect(Object.keys(registered)).toEqual(["edd-http", "edd-commands", "edd-sweep", "edd-project", "edd-uploads"]);
    expect(registered["edd-sweep"]).toMatchObject({ schedule: "0 */1 * * * *", handler: handlers.sweep });
    expect(registered["edd-project"]).toMatchObject({ schedule: "30 */1 * * * *", handler: handlers.project });
    expect(registered["edd-uploads"]).toMatchObject({ path: "bank-uploads/commands/{name}", connection: "EDD_UPLOADS_STORAGE" });
  });

  it("completes a large command the host handed over parsed, instead of dead-lettering it as invalid-envelope", async () => {
    const { handlers, store, objects } = setup();
    const ref = await objects.put("edd-large-commands/abc.json", JSON.stringify(open(id(1), "a", "a@example.com")));
    await handlers.serviceBus?.({ eddLargeCommand: { ...ref, bytes: 300_000 } }, context({ deliveryCount: 1, messageId: "m-1" }));
    expect((await store.readFeed("default", undefined, 10)).events.map((e) => e.type)).toEqual(["AccountOpened"]);
    expect(await store.listDeadLetters()).toEqual([]);
  });

  it("completes an identity conflict as a dead letter with one warning, instead of abandoning it", async () => {
    const { handlers, store, lines } = setup();
    await handlers.serviceBus?.(open(id(2), "a", "same@example.com"), context({ deliveryCount: 1, messageId: "m-2" }));
    await expect(
      handlers.serviceBus?.(open(id(3), "b", "same@example.com"), context({ deliveryCount: 1, messageId: "m-3" })),
    ).resolves.toBeUndefined();
    expect(await store.listDeadLetters()).toMatchObject([{ source: "servicebus:edd-commands", error: { code: "identity-conflict" } }]);
    expect(lines).toMatchObject([
      { message: "queued command dead-lettered", messageId: "m-3", requestId: id(3), code: "identity-conflict" },
    ]);
  });

  it("runs the projection step on its timer, after which SearchAccounts answers", async () => {
    const { handlers, engine } = setup();
    await handlers.serviceBus?.(open(id(4), "a", "a@example.com"), context({ deliveryCount: 1 }));
    const search = { query: { query: "SearchAccounts", attributes: {} } };
    expect((await engine.query(search, anonymousPrincipal)).body).toMatchObject({ result: { total: 0 } });
    await handlers.project?.(timer, context());
    expect((await engine.query(search, anonymousPrincipal)).body).toMatchObject({ result: { total: 1 } });
  });

  it("dispatches the JSON Lines of an uploaded blob in the realm its name gives", async () => {
    const { handlers, store, lines } = setup();
    const blob = Buffer.from([JSON.stringify(open(id(5), "x", "x@acme.example")), "{broken"].join("\n"));
    await handlers.uploads?.(blob, context({ blobTrigger: "bank-uploads/commands/acme/today.jsonl", name: "acme/today.jsonl" }));
    expect((await store.readFeed("acme", undefined, 10)).events.map((e) => e.aggregateId)).toEqual(["x"]);
    expect(lines).toMatchObject([{ source: "blob:bank-uploads", messageId: "commands/acme/today.jsonl#2", code: "malformed-json" }]);
  });
});
