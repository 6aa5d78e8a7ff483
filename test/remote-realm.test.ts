import { describe, expect, it } from "vitest";
import { createHttpQuery } from "../adapters/http-query/index.js";
import { MemoryStore } from "../adapters/memory/index.js";
import { type Authenticator, createEngine, type Principal, serviceRole } from "../core/index.js";
import { accounts, transfers } from "../examples/bank/services.js";
import { createHttpApp } from "../runtimes/http/app.js";
import { commandRequest, queryRequest } from "./support/requests.js";

const principals: Record<string, Principal> = {
  // The transfers deployment's own identity: a trusted service, homed in no tenant of its own.
  "transfers-service": { id: "svc:transfers", realm: "platform", roles: [serviceRole] },
  "acme-user": { id: "ana", realm: "acme", roles: [] },
};
const byToken: Authenticator = async (input) => {
  const principal = principals[input.headers.authorization?.slice("Bearer ".length) ?? ""];
  return principal === undefined ? { ok: false, code: "unauthenticated", message: "unknown token" } : { ok: true, principal };
};

/** The accounts service deployed on its own, with accounts in realm acme only. */
async function accountsDeployment() {
  const engine = createEngine({ services: [accounts], store: new MemoryStore(), authenticator: byToken });
  const acme = principals["acme-user"] as Principal;
  for (const id of ["acc-1", "acc-2"]) {
    const opened = await engine.command(
      commandRequest({ command: "OpenAccount", aggregateId: id, attributes: { owner: `${id}@example.com` } }),
      acme,
    );
    expect(opened.status).toBe(200);
  }
  const app = createHttpApp(engine);
  const fetch = ((input: string | URL | Request, init?: RequestInit) => app.request(input, init)) as typeof globalThis.fetch;
  const post = async (body: unknown, token: string) => {
    const response = await app.request("/query", {
      method: "POST",
      body: JSON.stringify(body),
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { fetch, post };
}

describe("finding 11: remote dependency queries keep the realm", () => {
  it("finding 11: a command in realm acme reads its remote dependency in realm acme, not the remote's default", async () => {
    const remote = await accountsDeployment();
    const remoteQuery = createHttpQuery({
      endpoints: { accounts: "http://accounts.internal" },
      fetch: remote.fetch,
      headers: () => ({ authorization: "Bearer transfers-service" }),
    });
    const engine = createEngine({ services: [transfers], store: new MemoryStore(), remoteQuery });
    const acme: Principal = { id: "ana", realm: "acme", roles: [] };
    const request = commandRequest({
      command: "RequestTransfer",
      aggregateId: "t-1",
      attributes: { from: "acc-1", to: "acc-2", amount: 5 },
    });
    const answer = await engine.command(request, acme);
    expect(answer.body).not.toHaveProperty("error");
    expect(answer.status).toBe(200);
    // The same command in another realm finds no such accounts there.
    const elsewhere = await engine.command({ ...request, requestId: crypto.randomUUID() }, { ...acme, realm: "globex" });
    expect(elsewhere.body).toMatchObject({ error: { code: "unknown-account" } });
  });

  it("finding 11: the receiving side honours a named realm only from a trusted service principal", async () => {
    const remote = await accountsDeployment();
    const asking = { ...queryRequest("GetAccount", { id: "acc-1" }), realm: "acme" };
    expect((await remote.post(asking, "transfers-service")).body).toMatchObject({ result: { id: "acc-1" } });
    // A user may name its own realm (a no-op) but no other.
    expect((await remote.post(asking, "acme-user")).body).toMatchObject({ result: { id: "acc-1" } });
    const prying = await remote.post({ ...asking, realm: "globex" }, "acme-user");
    expect(prying.status).toBe(403);
    expect(prying.body).toMatchObject({ error: { code: "forbidden", details: [{ path: "realm" }] } });
    // Without a realm, the service principal reads its own (empty) realm.
    expect((await remote.post(queryRequest("GetAccount", { id: "acc-1" }), "transfers-service")).body).toMatchObject({ result: null });
  });

  it("finding 11: a trusted service principal cannot use a realm to send commands", async () => {
    const remote = await accountsDeployment();
    const request = { ...commandRequest({ command: "Deposit", aggregateId: "acc-1", attributes: { amount: 5 } }), realm: "acme" };
    const response = await remote.fetch("http://accounts.internal/command", {
      method: "POST",
      body: JSON.stringify(request),
      headers: { authorization: "Bearer transfers-service" },
    });
    expect(response.status).toBe(400);
  });
});
