import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryCheckpointStore, MemoryStore, MemoryViewStore } from "../../adapters/memory/index.js";
import { anonymousPrincipal, createEngine, type Logger } from "../../core/index.js";
import { bankServices } from "../../examples/bank/services.js";
import { accountSummaries } from "../../examples/bank/views.js";
import { eventarcStructuredRequest, pubSubPushBody, storageFinalizedRequest } from "../../test/parity/fixtures/google.js";
import { BucketObjectStore } from "../../test/support/bucket-object-store.js";
import { type LocalJwks, startLocalJwks } from "../../test/support/local-jwks.js";
import { createCloudRunApp, pushAuthFromEnv } from "./index.js";

const open = (n: number, aggregateId: string, owner: string) => {
  const requestId = `70000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
  return JSON.stringify({
    requestId,
    interactionId: requestId,
    commands: [{ command: "OpenAccount", aggregateId, attributes: { owner } }],
  });
};

const serviceUrl = "https://edd-bank-abc123-ew.a.run.app";
const accounts = {
  push: "edd-push@edd-bank.iam.gserviceaccount.com",
  eventarc: "edd-eventarc@edd-bank.iam.gserviceaccount.com",
  scheduler: "edd-scheduler@edd-bank.iam.gserviceaccount.com",
};

describe("Cloud Run: Eventarc uploads, structured CloudEvents and Cloud Scheduler", () => {
  let google: LocalJwks;
  beforeAll(async () => {
    google = await startLocalJwks("RS256");
  });
  afterAll(() => google.close());

  const token = (aud: string, email: string) =>
    google.sign({
      iss: "https://accounts.google.com",
      aud,
      email,
      email_verified: true,
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 600,
    });
  const bearer = async (aud: string, email: string) => ({ authorization: `Bearer ${await token(aud, email)}` });

  function setup() {
    const store = new MemoryStore();
    const views = new MemoryViewStore();
    const engine = createEngine({ services: bankServices, store, views });
    const uploads = new BucketObjectStore("bank-uploads");
    const objects = new BucketObjectStore("bank-large");
    const lines: Record<string, unknown>[] = [];
    const logger: Logger = { info() {}, error() {}, warn: (message, fields) => lines.push({ message, ...fields }) };
    const env = {
      EDD_PUSH_AUDIENCE: `${serviceUrl}/_edd/pubsub`,
      EDD_PUSH_SERVICE_ACCOUNT: accounts.push,
      EDD_EVENTARC_AUDIENCE: serviceUrl,
      EDD_EVENTARC_SERVICE_ACCOUNT: accounts.eventarc,
      EDD_SCHEDULER_AUDIENCE: `${serviceUrl}/_edd/scheduled`,
      EDD_SCHEDULER_SERVICE_ACCOUNT: accounts.scheduler,
      EDD_PUSH_JWKS_URL: google.url,
    };
    const app = createCloudRunApp(engine, {
      logger,
      ...pushAuthFromEnv(env),
      objectStore: objects,
      uploads: { objectStore: uploads },
      projections: { store, views, checkpoints: new MemoryCheckpointStore(), projections: [accountSummaries], realms: ["default", "acme"] },
    });
    const post = (path: string, request: { headers: Record<string, string>; body: string }, auth: Record<string, string> = {}) =>
      app.request(path, { method: "POST", headers: { ...request.headers, ...auth }, body: request.body });
    return { app, store, engine, uploads, objects, lines, post };
  }

  it("dispatches a structured-mode messagePublished CloudEvent", async () => {
    const { post, store } = setup();
    const request = eventarcStructuredRequest({ data: open(1, "a", "a@example.com"), orderingKey: "a" });
    expect((await post("/", request, await bearer(serviceUrl, accounts.eventarc))).status).toBe(200);
    expect((await store.readFeed("default", undefined, 10)).events.map((e) => e.aggregateId)).toEqual(["a"]);
  });

  it.each(["binary", "structured"] as const)(
    "dispatches the commands of an uploaded object (%s mode) in the realm its name gives",
    async (mode) => {
      const { post, store, uploads, lines } = setup();
      await uploads.put("commands/acme/batch.jsonl", [open(2, "x", "x@acme.example"), "[1,2]", open(3, "y", "y@acme.example")].join("\n"));
      const request = storageFinalizedRequest("bank-uploads", "commands/acme/batch.jsonl", mode);
      const auth = await bearer(serviceUrl, accounts.eventarc);
      const response = await post("/_edd/events", request, auth);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        realm: "acme",
        done: 2,
        deadLettered: 1,
        problems: [{ line: 2, code: "invalid-envelope" }],
      });
      expect(lines).toMatchObject([
        { message: "queued command dead-lettered", source: "gcs:bank-uploads", messageId: "commands/acme/batch.jsonl#2" },
      ]);
      // Delivered again (Eventarc is at least once): nothing applies twice.
      expect((await post("/_edd/events", request, auth)).status).toBe(200);
      expect((await store.readFeed("acme", undefined, 10)).events.map((e) => e.aggregateId)).toEqual(["x", "y"]);
      // Another bucket's event is refused by the store and acknowledged: redelivery cannot change that.
      const elsewhere = storageFinalizedRequest("payroll", "commands/acme/salaries.jsonl", mode);
      expect((await post("/_edd/events", elsewhere, auth)).status).toBe(204);
    },
  );

  it("runs the sweep and the projection step for Cloud Scheduler only, after which SearchAccounts answers", async () => {
    const { post, engine } = setup();
    const push = {
      headers: { "content-type": "application/json" },
      body: JSON.stringify(pubSubPushBody({ data: open(4, "a", "a@example.com") })),
    };
    expect((await post("/_edd/pubsub", push, await bearer(`${serviceUrl}/_edd/pubsub`, accounts.push))).status).toBe(200);
    const empty = { headers: {}, body: "" };
    const schedulerAuth = await bearer(`${serviceUrl}/_edd/scheduled`, accounts.scheduler);
    // The push and Eventarc identities cannot run scheduled work, nor can anyone without a token.
    expect((await post("/_edd/project", empty)).status).toBe(401);
    expect((await post("/_edd/project", empty, await bearer(serviceUrl, accounts.eventarc))).status).toBe(401);
    expect((await post("/_edd/sweep", empty, await bearer(`${serviceUrl}/_edd/scheduled`, accounts.push))).status).toBe(403);
    const project = await post("/_edd/project", empty, schedulerAuth);
    expect([project.status, await project.json()]).toEqual([200, { events: 1, written: 1, pages: 3, caughtUp: true }]);
    const sweep = await post("/_edd/sweep", empty, schedulerAuth);
    expect([sweep.status, await sweep.json()]).toEqual([200, { delivered: 0, retried: 0, deadLettered: 0, rounds: 1, drained: true }]);
    const search = await engine.query({ query: { query: "SearchAccounts", attributes: {} } }, anonymousPrincipal);
    expect(search.body).toMatchObject({ result: { total: 1, accounts: [{ id: "a", owner: "a@example.com" }] } });
  });

  it("resolves a large command on Pub/Sub push through the configured object store", async () => {
    const { post, store, objects } = setup();
    const ref = await objects.put("edd-large-commands/big.json", open(5, "big", "big@example.com"));
    const data = JSON.stringify({ eddLargeCommand: { ...ref, bytes: 11_000_000 } });
    const push = { headers: { "content-type": "application/json" }, body: JSON.stringify(pubSubPushBody({ data })) };
    expect((await post("/_edd/pubsub", push, await bearer(`${serviceUrl}/_edd/pubsub`, accounts.push))).status).toBe(200);
    expect((await store.readFeed("default", undefined, 10)).events.map((e) => e.aggregateId)).toEqual(["big"]);
  });
});
