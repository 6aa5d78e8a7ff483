import { networkInterfaces } from "node:os";
import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { platformClaimsAuthenticator } from "../../adapters/jwt/index.js";
import { memoryAuditReader } from "../../adapters/memory/audit.js";
import { MemoryStore } from "../../adapters/memory/index.js";
import { createEngine } from "../../core/index.js";
import { bankServices } from "../../examples/bank/services.js";
import { rawRequest, serveApp } from "../../test/support/serve-app.js";
import { createHttpApp } from "../http/app.js";
import { explorerFixture, operator } from "../../test/support/explorer-fixtures.js";
import { explorerSettingsFromEnv, mountExplorer } from "./index.js";

describe("explorer access", () => {
  it("answers 401 without a principal and 403 without the operator role", async () => {
    const { get } = explorerFixture();
    const anonymous = await get("/_edd/", "");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe("Bearer");
    expect(anonymous.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect((await get("/_edd/requests", "Bearer clara/default/clerk")).status).toBe(403);
    expect((await get("/_edd/style.css", "Bearer clara/default/clerk")).status).toBe(403);
    expect((await get("/_edd/dead-letters", operator)).status).toBe(200);
  });

  it("honours a configured role instead of operator", async () => {
    const { get } = explorerFixture({ requireRole: "auditor" });
    expect((await get("/_edd/", operator)).status).toBe(403);
    expect((await get("/_edd/", "Bearer alice/default/auditor")).status).toBe(200);
  });

  it("shows only the operator's realm unless more are configured", async () => {
    const { get } = explorerFixture();
    expect((await get("/_edd/?realm=other", operator)).status).toBe(403);
    const several = explorerFixture({ realmsFor: (principal) => [principal.realm, "branch-2"] });
    const page = await several.get("/_edd/?realm=branch-2", operator);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<option value="branch-2" selected="">branch-2</option>');
  });

  it("lets an anonymous operator in on localhost only", async () => {
    const { app } = explorerFixture({ allowAnonymousOperator: true });
    const server = await serveApp(app);
    try {
      expect((await rawRequest("127.0.0.1", server.port, "/_edd/", { host: `localhost:${server.port}` })).status).toBe(200);
      expect((await rawRequest("127.0.0.1", server.port, "/_edd/", { host: "127.0.0.1" })).status).toBe(200);
      // A rebound DNS name points at the loopback address but names another host.
      expect((await rawRequest("127.0.0.1", server.port, "/_edd/", { host: "evil.example" })).status).toBe(403);
    } finally {
      await server.close();
    }
  });

  it.each([
    ["x-forwarded-for", "203.0.113.7"],
    ["forwarded", "for=203.0.113.7;proto=http"],
    ["via", "1.1 nginx"],
    ["x-real-ip", "203.0.113.7"],
  ])("finding 9: refuses an anonymous operator whose request a local proxy forwarded (%s)", async (header, value) => {
    const { app } = explorerFixture({ allowAnonymousOperator: true });
    const server = await serveApp(app);
    try {
      // What nginx sends by default with proxy_pass http://127.0.0.1:…: Host 127.0.0.1 from a loopback socket.
      const forwarded = await rawRequest("127.0.0.1", server.port, "/_edd/", { host: "127.0.0.1", [header]: value });
      expect(forwarded.status).toBe(403);
      expect(forwarded.body).toContain("proxy");
    } finally {
      await server.close();
    }
  });

  it("finding 9: refuses an anonymous operator when no socket can be checked (in process)", async () => {
    const { app } = explorerFixture({ allowAnonymousOperator: true });
    expect((await app.request("http://localhost/_edd/", { headers: { host: "localhost" } })).status).toBe(403);
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address !== undefined && !address.internal && address.family === "IPv4");
  it.skipIf(external === undefined)(
    `finding 9: refuses an anonymous operator connecting from another address than loopback${external === undefined ? " (skipped: no non-loopback IPv4 interface)" : ""}`,
    async () => {
      const { app } = explorerFixture({ allowAnonymousOperator: true });
      const server = await serveApp(app, "0.0.0.0");
      try {
        // The socket's peer is this machine's external address, while Host claims loopback.
        const remote = await rawRequest(external?.address ?? "", server.port, "/_edd/", { host: "127.0.0.1" });
        expect(remote.status).toBe(403);
        expect(remote.body).toContain("not from this machine");
        expect((await rawRequest("127.0.0.1", server.port, "/_edd/", { host: "127.0.0.1" })).status).toBe(200);
      } finally {
        await server.close();
      }
    },
  );

  it("finding 13: honours a platform authenticator, with the claims the HTTP app was told to trust", async () => {
    const store = new MemoryStore();
    const engine = createEngine({ services: bankServices, store, authenticator: platformClaimsAuthenticator() });
    // As a platform passes them: beside the request, never in a header a client could send.
    const claimsFromEnv = (c: Context) => (c.env as { claims?: Record<string, unknown> } | undefined)?.claims;
    const app = mountExplorer(createHttpApp(engine, { verifiedClaims: claimsFromEnv }), { engine, audit: memoryAuditReader(store) });
    const operatorClaims = { claims: { sub: "olga", realm: "default", roles: ["operator"] } };
    expect((await app.request("/_edd/", {}, operatorClaims)).status).toBe(200);
    expect((await app.request("/_edd/", {}, { claims: { sub: "clara", realm: "default", roles: [] } })).status).toBe(403);
    expect((await app.request("/_edd/", { headers: { authorization: "Bearer anything" } })).status).toBe(401);
    // Given to the explorer directly, the same.
    const direct = mountExplorer(createHttpApp(engine), { engine, audit: memoryAuditReader(store), verifiedClaims: claimsFromEnv });
    expect((await direct.request("/_edd/", {}, operatorClaims)).status).toBe(200);
  });

  it("refuses a POST without a same-origin Origin header", async () => {
    const { post } = explorerFixture();
    expect((await post("/_edd/dead-letters/1/discard", {})).status).toBe(403);
    expect((await post("/_edd/dead-letters/1/discard", { origin: "https://evil.example" })).status).toBe(403);
    expect((await post("/_edd/dead-letters/1/discard", { origin: "null" })).status).toBe(403);
    expect((await post("/_edd/dead-letters/1/discard")).status).toBe(404);
  });

  it("leaves the command API as it was and serves pages that cannot run scripts", async () => {
    const { app, get } = explorerFixture();
    expect((await app.request("/health")).status).toBe(200);
    expect((await app.request("/nothing")).status).toBe(404);
    const page = await get("/_edd/");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(page.headers.get("cache-control")).toBe("no-store");
    const style = await get("/_edd/style.css");
    expect(style.headers.get("content-type")).toContain("text/css");
  });
});

describe("explorerSettingsFromEnv", () => {
  it("is off unless EDD_EXPLORER=1, and anonymous only on a loopback address", () => {
    expect(explorerSettingsFromEnv({}, "127.0.0.1")).toBeUndefined();
    expect(explorerSettingsFromEnv({ EDD_EXPLORER: "1" }, "127.0.0.1")?.allowAnonymousOperator).toBe(true);
    expect(explorerSettingsFromEnv({ EDD_EXPLORER: "1" }, "0.0.0.0")?.allowAnonymousOperator).toBe(false);
  });
});
