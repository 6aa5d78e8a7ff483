import { describe, expect, it } from "vitest";
import { explorerFixture, operator } from "./explorer.fixtures.js";
import { explorerSettingsFromEnv } from "./index.js";

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
    expect((await app.request("http://localhost:3000/_edd/", { headers: { host: "localhost:3000" } })).status).toBe(200);
    expect((await app.request("http://127.0.0.1/_edd/", { headers: { host: "127.0.0.1" } })).status).toBe(200);
    // A rebound DNS name points at the loopback address but names another host.
    expect((await app.request("http://evil.example/_edd/", { headers: { host: "evil.example" } })).status).toBe(403);
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
