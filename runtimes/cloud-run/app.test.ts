import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../core/index.js";
import { createBankTestEngine } from "../../test/parity/engine.js";
import { eventarcRequest, pubSubPushBody } from "../../test/parity/fixtures/google.js";
import { commandRequest } from "../../test/support/requests.js";
import { type LocalJwks, startLocalJwks } from "../../test/support/local-jwks.js";
import { serveApp } from "../../test/support/serve-app.js";
import { type CloudRunAppOptions, createCloudRunApp, pubSubOidcAuthenticator, pushAuthFromEnv, pushTokenAuthenticator } from "./index.js";

const open = (id: string) =>
  JSON.stringify(commandRequest({ command: "OpenAccount", aggregateId: id, attributes: { owner: `${id}@example.com` } }));

const pushToken = "a-push-token-of-32-characters-ok";
const eventarcToken = "an-eventarc-token-of-its-own-32ch";

function setup(options: CloudRunAppOptions = { pushToken, eventarcAuthenticator: pushTokenAuthenticator(eventarcToken) }) {
  const { engine, store } = createBankTestEngine();
  store.beforeApply = (unit) => {
    if (unit.changes.some((change) => change.aggregateId.startsWith("flaky"))) throw new Error("database went away");
  };
  const app = createCloudRunApp(engine, { logger: silentLogger, ...options });
  const push = (body: unknown, path = `/_edd/pubsub?token=${pushToken}`, headers: Record<string, string> = {}) =>
    app.request(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
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
    const { push } = setup();
    expect((await push(pubSubPushBody({ data: open("a2") }), "/_edd/pubsub")).status).toBe(401);
    expect((await push(pubSubPushBody({ data: open("a2") }), "/_edd/pubsub?token=wrong")).status).toBe(401);
    expect((await push(pubSubPushBody({ data: open("a2") }))).status).toBe(200);
  });
});

describe("Cloud Run Eventarc (CloudEvents binary mode)", () => {
  it.each(["/", "/_edd/events"])("dispatches a messagePublished event posted to %s", async (path) => {
    const { app, store } = setup();
    const { headers, body } = eventarcRequest({ data: open("b1") });
    expect((await app.request(`${path}?token=${pushToken}`, { method: "POST", headers, body })).status).toBe(401);
    expect((await app.request(`${path}?token=${eventarcToken}`, { method: "POST", headers, body })).status).toBe(200);
    expect((await store.readFeed("default", undefined, 10)).events.map((e) => e.type)).toEqual(["AccountOpened"]);
  });

  it("rejects a POST / without CloudEvent headers", async () => {
    const { app } = setup();
    const response = await app.request(`/?token=${eventarcToken}`, {
      method: "POST",
      body: JSON.stringify(pubSubPushBody({ data: open("b2") })),
    });
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

describe("finding 2: Cloud Run push routes fail closed", () => {
  const audience = "https://edd-bank-abc123-ew.a.run.app/_edd/pubsub";
  const pusher = "edd-push@edd-bank.iam.gserviceaccount.com";
  let google: LocalJwks;
  beforeAll(async () => {
    google = await startLocalJwks("RS256");
  });
  afterAll(() => google.close());

  const serviceUrl = "https://edd-bank-abc123-ew.a.run.app";
  const oidc = () =>
    setup({
      pushAuthenticator: pubSubOidcAuthenticator({ audience, serviceAccountEmail: pusher, jwksUrl: google.url }),
      eventarcAuthenticator: pubSubOidcAuthenticator({ audience: serviceUrl, serviceAccountEmail: pusher, jwksUrl: google.url }),
    });
  /** What Pub/Sub sends with an authenticated push subscription. */
  const googleToken = (claims: Record<string, unknown> = {}) =>
    google.sign({
      iss: "https://accounts.google.com",
      aud: audience,
      sub: "112233445566778899",
      email: pusher,
      email_verified: true,
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 3600,
      ...claims,
    });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const eventarc = (app: ReturnType<typeof setup>["app"], data: string, headers: Record<string, string> = {}) => {
    const request = eventarcRequest({ data, attributes: { "edd-realm": "bank-eu" } });
    return app.request("/", { method: "POST", headers: { ...request.headers, ...headers }, body: request.body });
  };
  const events = async (store: ReturnType<typeof setup>["store"], realm: string) =>
    (await store.readFeed(realm, undefined, 10)).events.map((event) => event.aggregateId);

  it("finding 2: refuses to start without a push authenticator", () => {
    const { engine } = createBankTestEngine();
    expect(() => createCloudRunApp(engine, { logger: silentLogger })).toThrow(/push authenticator/);
    expect(() => createCloudRunApp(engine, { pushToken, allowUnauthenticatedLocalPush: true })).toThrow(/exactly one/);
    expect(() => createCloudRunApp(engine, { pushToken: "short" })).toThrow(/16 characters/);
  });

  it("finding 2: an anonymous POST /_edd/pubsub or CloudEvent POST / runs nothing", async () => {
    const { app, store, push } = oidc();
    const anonymous = await push(pubSubPushBody({ data: open("anon-1"), attributes: { "edd-realm": "bank-eu" } }), "/_edd/pubsub");
    expect([anonymous.status, (await anonymous.json()).error.code]).toEqual([401, "unauthenticated"]);
    expect((await eventarc(app, open("anon-2"))).status).toBe(401);
    expect(await events(store, "bank-eu")).toEqual([]);
    expect(await events(store, "default")).toEqual([]);
  });

  it("finding 2: accepts a Google-signed push token on both routes, in the realm it names", async () => {
    const { app, store, push } = oidc();
    const pushed = await push(
      pubSubPushBody({ data: open("oidc-1"), attributes: { "edd-realm": "bank-eu" } }),
      "/_edd/pubsub",
      bearer(await googleToken()),
    );
    expect(pushed.status).toBe(200);
    // Eventarc signs with the older issuer spelling; both are Google's.
    const eventarcToken = (claims: Record<string, unknown> = {}) => googleToken({ iss: "accounts.google.com", aud: serviceUrl, ...claims });
    expect((await eventarc(app, open("oidc-2"), bearer(await eventarcToken()))).status).toBe(200);
    // Each route checks its own audience: the push endpoint's token does not open Eventarc's route, nor the reverse.
    expect((await eventarc(app, open("oidc-3"), bearer(await googleToken({ iss: "accounts.google.com" })))).status).toBe(401);
    const crossed = await push(pubSubPushBody({ data: open("oidc-4") }), "/_edd/pubsub", bearer(await eventarcToken()));
    expect(crossed.status).toBe(401);
    expect(await events(store, "bank-eu")).toEqual(["oidc-1", "oidc-2"]);
  });

  it.each([
    ["another audience", { aud: "https://elsewhere.example/_edd/pubsub" }, 401],
    ["another issuer", { iss: "https://evil.example" }, 401],
    ["an expired token", { exp: Math.floor(Date.now() / 1000) - 60 }, 401],
    ["no expiry", { exp: undefined }, 401],
    ["an unverified email", { email_verified: false }, 401],
    ["no email", { email: undefined }, 401],
    ["another service account", { email: "someone@other-project.iam.gserviceaccount.com" }, 403],
  ])("finding 2: refuses a push token with %s", async (_name, claims, status) => {
    const { app, store, push } = oidc();
    const token = await googleToken(claims);
    expect((await push(pubSubPushBody({ data: open("bad-1") }), "/_edd/pubsub", bearer(token))).status).toBe(status);
    // The same flaw in a token signed for the Eventarc route.
    const forEventarc = await googleToken({ aud: "https://edd-bank-abc123-ew.a.run.app", ...claims });
    expect((await eventarc(app, open("bad-2"), bearer(forEventarc))).status).toBe(status);
    expect(await events(store, "default")).toEqual([]);
    expect(await events(store, "bank-eu")).toEqual([]);
  });

  it("finding 2: refuses a token signed by a key that is not Google's", async () => {
    const { push, store } = oidc();
    const impostor = await startLocalJwks("RS256");
    try {
      const forged = await impostor.sign({
        iss: "https://accounts.google.com",
        aud: audience,
        email: pusher,
        email_verified: true,
        exp: Math.floor(Date.now() / 1000) + 60,
      });
      expect((await push(pubSubPushBody({ data: open("forged") }), "/_edd/pubsub", bearer(forged))).status).toBe(401);
      expect(await events(store, "default")).toEqual([]);
    } finally {
      await impostor.close();
    }
  });

  it("finding 2: answers 503 (redelivered) when Google's keys cannot be fetched", async () => {
    const broken = setup({
      pushAuthenticator: pubSubOidcAuthenticator({ audience, serviceAccountEmail: pusher, jwksUrl: google.brokenUrl }),
    });
    const response = await broken.push(pubSubPushBody({ data: open("later") }), "/_edd/pubsub", bearer(await googleToken()));
    expect(response.status).toBe(503);
  });

  it("finding 2: trusts the realm attribute only from an authenticated push", async () => {
    const { app, store } = setup({ allowUnauthenticatedLocalPush: true });
    const server = await serveApp(app);
    try {
      const send = (attributes: Record<string, string>, id: string, headers: Record<string, string> = {}) =>
        fetch(`${server.url}/_edd/pubsub`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify(pubSubPushBody({ data: open(id), attributes })),
        });
      const named = await send({ "edd-realm": "bank-eu" }, "local-1");
      expect([named.status, (await named.json()).error.code]).toEqual([403, "forbidden"]);
      expect((await send({}, "local-2")).status).toBe(200);
      // A local reverse proxy in front makes the push anyone's: refused.
      expect((await send({}, "local-3", { "x-forwarded-for": "203.0.113.9" })).status).toBe(401);
      expect(await events(store, "bank-eu")).toEqual([]);
      expect(await events(store, "default")).toEqual(["local-2"]);
    } finally {
      await server.close();
    }
    // In process, without a socket to look at, an unauthenticated push is not local either.
    const inProcess = await app.request("/_edd/pubsub", {
      method: "POST",
      body: JSON.stringify(pubSubPushBody({ data: open("local-4") })),
    });
    expect(inProcess.status).toBe(401);
  });

  it("finding 2: takes the push authenticator from the environment, and nothing when none is set", async () => {
    const { engine } = createBankTestEngine();
    expect(() => createCloudRunApp(engine, pushAuthFromEnv({}))).toThrow(/push authenticator/);
    expect(() => pushAuthFromEnv({ EDD_PUSH_AUDIENCE: audience })).toThrow(/EDD_PUSH_SERVICE_ACCOUNT/);
    expect(() => pushAuthFromEnv({ EDD_PUSH_UNAUTHENTICATED: "1" })).toThrow(/local/);
    const env = {
      EDD_PUSH_AUDIENCE: audience,
      EDD_PUSH_SERVICE_ACCOUNT: `other@x.iam.gserviceaccount.com, ${pusher}`,
      EDD_PUSH_JWKS_URL: google.url,
    };
    const { push } = setup({ logger: silentLogger, ...pushAuthFromEnv(env) });
    expect((await push(pubSubPushBody({ data: open("env-1") }), "/_edd/pubsub")).status).toBe(401);
    expect((await push(pubSubPushBody({ data: open("env-1") }), "/_edd/pubsub", bearer(await googleToken()))).status).toBe(200);
  });
});
