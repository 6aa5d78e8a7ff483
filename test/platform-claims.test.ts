import { HttpRequest, InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { platformClaimsAuthenticator } from "../adapters/jwt/index.js";
import { MemoryStore } from "../adapters/memory/index.js";
import { createEngine } from "../core/index.js";
import { bankServices } from "../examples/bank/services.js";
import { appServiceAuthClaims, createAzureHttpHandler } from "../runtimes/azure-functions/index.js";
import { createCloudRunApp, endpointsUserInfoClaims } from "../runtimes/cloud-run/index.js";
import { commandRequest } from "./support/requests.js";

const open = JSON.stringify(commandRequest({ command: "OpenAccount", aggregateId: "acc-1", attributes: { owner: "ada@example.com" } }));

function bank() {
  const store = new MemoryStore();
  const engine = createEngine({ services: bankServices, store, authenticator: platformClaimsAuthenticator() });
  const versionIn = async (realm: string) => (await store.loadSnapshot({ realm, service: "accounts", aggregateId: "acc-1" }))?.version;
  return { engine, versionIn };
}

describe("claims a platform verified, on Azure and Cloud Run", () => {
  it("Azure: runs the request in the realm and roles of the App Service Authentication principal", async () => {
    const { engine, versionIn } = bank();
    const http = createAzureHttpHandler(engine, { verifiedClaims: appServiceAuthClaims });
    const principal = {
      auth_typ: "aad",
      role_typ: "roles",
      claims: [
        { typ: "sub", val: "ada" },
        { typ: "realm", val: "acme" },
        { typ: "roles", val: "teller" },
      ],
    };
    const send = (headers: Record<string, string>) =>
      http(
        new HttpRequest({
          method: "POST",
          url: "http://localhost:7071/api/command",
          params: { path: "command" },
          headers,
          body: { string: open },
        }),
        new InvocationContext({ invocationId: "t", functionName: "edd-http", logHandler: () => {} }),
      );
    expect((await send({})).status).toBe(401);
    const accepted = await send({ "x-ms-client-principal": Buffer.from(JSON.stringify(principal)).toString("base64") });
    expect(accepted.status).toBe(200);
    expect(await versionIn("acme")).toBe(1);
    expect(await versionIn("default")).toBeUndefined();
  });

  it("Cloud Run: runs the request in the realm of the claims ESPv2 forwarded", async () => {
    const { engine, versionIn } = bank();
    const app = createCloudRunApp(engine, { verifiedClaims: endpointsUserInfoClaims, allowUnauthenticatedLocalPush: true });
    const userInfo = Buffer.from(JSON.stringify({ sub: "bo", realm: "globex" })).toString("base64url");
    expect((await app.request("/command", { method: "POST", body: open })).status).toBe(401);
    const accepted = await app.request("/command", { method: "POST", body: open, headers: { "x-endpoint-api-userinfo": userInfo } });
    expect(accepted.status).toBe(200);
    expect(await versionIn("globex")).toBe(1);
  });

  it("ignores a header that is not what the platform sends", async () => {
    const { engine } = bank();
    const app = createCloudRunApp(engine, { verifiedClaims: endpointsUserInfoClaims, allowUnauthenticatedLocalPush: true });
    const garbage = await app.request("/command", {
      method: "POST",
      body: open,
      headers: { "x-endpoint-api-userinfo": "%%%not-base64-json" },
    });
    expect(garbage.status).toBe(401);
  });
});
