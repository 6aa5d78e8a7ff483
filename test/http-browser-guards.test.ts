import { describe, expect, it } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import { createEngine } from "../core/index.js";
import { bankServices } from "../examples/bank/services.js";
import { createHttpApp, type HttpAppOptions } from "../runtimes/http/app.js";
import { serveNode } from "../runtimes/node/index.js";
import { commandRequest } from "./support/requests.js";
import { rawRequest } from "./support/serve-app.js";

const app = "https://app.example.com";
const open = (id: string) =>
  JSON.stringify(commandRequest({ command: "OpenAccount", aggregateId: id, attributes: { owner: `${id}@example.com` } }));

function setup(options: HttpAppOptions = {}) {
  const store = new MemoryStore();
  const http = createHttpApp(createEngine({ services: bankServices, store }), options);
  const send = (path: string, init: RequestInit = {}) => http.request(`http://api.example.com${path}`, init);
  const events = async () => (await store.readFeed("default", undefined, 100)).events.length;
  return { send, events };
}

describe("finding 10: CSRF", () => {
  it("finding 10: refuses a cross-site text/plain POST /command and stores nothing", async () => {
    const { send, events } = setup();
    // What an HTML form or a no-cors fetch on another site sends: no preflight, so the server must refuse.
    const response = await send("/command", {
      method: "POST",
      headers: { "content-type": "text/plain", origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      body: open("csrf-1"),
    });
    expect(response.status).toBe(403);
    expect((await response.json()).error.code).toBe("forbidden");
    expect(await events()).toBe(0);
  });

  it("finding 10: refuses a state-changing request marked Sec-Fetch-Site: cross-site, or from Origin null", async () => {
    const { send, events } = setup();
    expect((await send("/command", { method: "POST", headers: { "sec-fetch-site": "cross-site" }, body: open("csrf-2") })).status).toBe(
      403,
    );
    expect((await send("/command", { method: "POST", headers: { "sec-fetch-site": "same-site" }, body: open("csrf-3") })).status).toBe(403);
    expect((await send("/command", { method: "POST", headers: { origin: "null" }, body: open("csrf-4") })).status).toBe(403);
    expect((await send("/query", { method: "POST", headers: { origin: "https://evil.example" }, body: "{}" })).status).toBe(403);
    expect(await events()).toBe(0);
  });

  it("finding 10: lets clients that are not browsers, same-origin pages and allowed origins through", async () => {
    const { send, events } = setup({ cors: { origins: [app] } });
    expect((await send("/command", { method: "POST", body: open("ok-1") })).status).toBe(200);
    const sameOrigin = { origin: "http://api.example.com", "sec-fetch-site": "same-origin" };
    expect((await send("/command", { method: "POST", headers: sameOrigin, body: open("ok-2") })).status).toBe(200);
    const allowed = { origin: app, "sec-fetch-site": "cross-site", "content-type": "application/json" };
    expect((await send("/command", { method: "POST", headers: allowed, body: open("ok-3") })).status).toBe(200);
    expect(await events()).toBe(3);
  });
});

describe("finding 10: CORS", () => {
  const preflight = (origin: string) => ({
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
  });

  it("finding 10: answers a preflight from an allowed origin with the Access-Control-* headers", async () => {
    const { send } = setup({ cors: { origins: [app, "http://localhost:5173"] } });
    const response = await send("/command", preflight(app));
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(app);
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    expect(response.headers.get("access-control-allow-headers")).toMatch(/authorization/);
    expect(response.headers.get("access-control-allow-headers")).toMatch(/content-type/);
    expect(response.headers.get("access-control-max-age")).toBe("600");
    expect(response.headers.get("vary")).toContain("Origin");
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("finding 10: names the allowed origin on the answer itself, and varies by Origin", async () => {
    const { send } = setup({ cors: { origins: [app] } });
    const answer = await send("/command", {
      method: "POST",
      headers: { origin: app, "content-type": "application/json" },
      body: open("cors-1"),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("access-control-allow-origin")).toBe(app);
    expect(answer.headers.get("vary")).toContain("Origin");
    // A read from an origin not listed is answered without the header: the browser keeps it from the page.
    const foreign = await send("/health", { headers: { origin: "https://evil.example" } });
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    expect(foreign.headers.get("vary")).toContain("Origin");
  });

  it("finding 10: refuses a preflight from an origin not allowed, and without CORS settings from any", async () => {
    expect((await setup({ cors: { origins: [app] } }).send("/command", preflight("https://evil.example"))).status).toBe(403);
    const none = await setup().send("/command", preflight(app));
    expect(none.status).toBe(403);
    expect(none.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("finding 10: takes exact origins only", () => {
    for (const origin of ["*", "https://app.example.com/", "app.example.com", "null", "https://*.example.com"]) {
      expect(() => setup({ cors: { origins: [origin] } })).toThrow(/exact origins/);
    }
  });
});

describe("finding 10: Host allow-list", () => {
  it("finding 10: answers only to allowed Host names when a list is set", async () => {
    const { send, events } = setup({ allowedHosts: ["api.example.com"] });
    expect((await send("/command", { method: "POST", body: open("host-1") })).status).toBe(200);
    const rebound = await send("/command", { method: "POST", headers: { host: "evil.example" }, body: open("host-2") });
    expect([rebound.status, (await rebound.json()).error.code]).toEqual([403, "forbidden"]);
    expect(await events()).toBe(1);
  });

  it("finding 10: an anonymous server on loopback answers to loopback Host names only (DNS rebinding)", async () => {
    const store = new MemoryStore();
    const server = await serveNode(createEngine({ services: bankServices, store }), { port: 0, relay: false });
    try {
      const post = async (host: string, id: string) =>
        (await rawRequest("127.0.0.1", server.port, "/command", { host, "content-type": "application/json" }, "POST", open(id))).status;
      // A page on evil.example whose DNS now points at 127.0.0.1 is same-origin with itself: only Host tells.
      expect(await post(`evil.example:${server.port}`, "dns-1")).toBe(403);
      expect(await post(`127.0.0.1:${server.port}`, "dns-2")).toBe(200);
      expect(await post(`localhost:${server.port}`, "dns-3")).toBe(200);
      expect((await store.readFeed("default", undefined, 10)).events.map((event) => event.aggregateId)).toEqual(["dns-2", "dns-3"]);
    } finally {
      await server.close();
    }
  });
});
