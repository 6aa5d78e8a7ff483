import { describe, expect, it } from "vitest";
import { silentLogger } from "../../core/index.js";
import { createBankTestEngine } from "../../test/parity/engine.js";
import { eventarcRequest, pubSubPushBody } from "../../test/parity/fixtures/google.js";
import { commandRequest } from "../../test/support/requests.js";
import { type CloudRunAppOptions, createCloudRunApp } from "./index.js";

const open = (id: string) =>
  JSON.stringify(commandRequest({ command: "OpenAccount", aggregateId: id, attributes: { owner: `${id}@example.com` } }));

function setup(options: CloudRunAppOptions = {}) {
  const { engine, store } = createBankTestEngine();
  store.beforeApply = (unit) => {
    if (unit.changes.some((change) => change.aggregateId.startsWith("flaky"))) throw new Error("database went away");
  };
  const app = createCloudRunApp(engine, { logger: silentLogger, ...options });
  const push = (body: unknown, path = "/_edd/pubsub") =>
    app.request(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { app, store, push };
}

describe("Cloud Run Pub/Sub push", () => {
  it("acknowledges a dispatched command with 200 and the command's response", async () => {
    const { store, push } = setup();
    const response = await push(pubSubPushBody({ data: open("a1"), attributes: { "edd-realm": "bank-eu" } }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ result: { identities: ["a1@example.com"] } });
    expect((await store.readFeed("bank-eu", undefined, 10)).events.map((e) => e.type)).toEqual(["AccountOpened"]);
  });

  it("acknowledges a permanently bad message with 204 after keeping it as a dead letter", async () => {
    const { store, push } = setup();
    const response = await push(pubSubPushBody({ data: "{not json", deliveryAttempt: 2 }));
    expect(response.status).toBe(204);
    expect(await store.listDeadLetters()).toMatchObject([
      { source: "pubsub:edd-commands-push", attempts: 2, error: { code: "malformed-json" } },
    ]);
  });

  it("answers 503 on a transient failure so Pub/Sub redelivers", async () => {
    const { store, push } = setup();
    expect((await push(pubSubPushBody({ data: open("flaky-1") }))).status).toBe(503);
    expect(await store.listDeadLetters()).toEqual([]);
  });

  it("answers 503 when even the dead letter cannot be stored", async () => {
    const { store, push } = setup();
    store.addDeadLetter = async () => {
      throw new Error("dead-letter table unavailable");
    };
    expect((await push(pubSubPushBody({ data: "{not json" }))).status).toBe(503);
  });

  it("rejects a body that is not a push envelope with 400", async () => {
    const { push } = setup();
    const response = await push({ hello: "world" });
    expect([response.status, (await response.json()).error.code]).toEqual([400, "invalid-envelope"]);
  });

  it("requires ?token= when a push token is configured", async () => {
    const { push } = setup({ pushToken: "s3cret" });
    expect((await push(pubSubPushBody({ data: open("a2") }))).status).toBe(401);
    expect((await push(pubSubPushBody({ data: open("a2") }), "/_edd/pubsub?token=s3cret")).status).toBe(200);
  });
});

describe("Cloud Run Eventarc (CloudEvents binary mode)", () => {
  it.each(["/", "/_edd/events"])("dispatches a messagePublished event posted to %s", async (path) => {
    const { app, store } = setup();
    const { headers, body } = eventarcRequest({ data: open("b1") });
    expect((await app.request(path, { method: "POST", headers, body })).status).toBe(200);
    expect((await store.readFeed("default", undefined, 10)).events.map((e) => e.type)).toEqual(["AccountOpened"]);
  });

  it("rejects a POST / without CloudEvent headers", async () => {
    const { app } = setup();
    const response = await app.request("/", { method: "POST", body: JSON.stringify(pubSubPushBody({ data: open("b2") })) });
    expect(response.status).toBe(400);
  });
});

describe("Cloud Run app composition", () => {
  it("leaves every other request to the edd app, its not-found answer included", async () => {
    const { app } = setup();
    expect((await app.request("/health")).status).toBe(200);
    const missing = await app.request("/nowhere");
    expect([missing.status, (await missing.json()).error.code]).toEqual([404, "not-found"]);
    const wrongMethod = await app.request("/command", { method: "GET" });
    expect([wrongMethod.status, (await wrongMethod.json()).error.code]).toEqual([405, "method-not-allowed"]);
  });
});
