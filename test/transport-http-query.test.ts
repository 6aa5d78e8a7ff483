import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpQuery } from "../adapters/http-query/index.js";
import { MemoryStore } from "../adapters/memory/index.js";
import { anonymousPrincipal, createEngine, EddError } from "../core/index.js";
import { accounts, transfers } from "../examples/bank/services.js";
import { type NodeServer, serveNode } from "../runtimes/node/index.js";
import { commandRequest } from "../contracts/transport.js";

const scope = {
  requestId: "5f0c7f4e-8a53-4a1e-9a53-6f1f4d1b2c3d",
  interactionId: "1b2c3d4e-5f60-4a1e-8a53-6f1f4d1b2c3d",
  breadcrumbs: [0, 2],
  principal: anonymousPrincipal,
};

/** A scripted HTTP peer: answers each POST with the next scripted status, records what it got. */
async function scriptedPeer(script: (call: number) => { status: number; body: unknown; hangMs?: number }) {
  const seen: { body: unknown; headers: IncomingMessage["headers"] }[] = [];
  const server: Server = createServer(async (req, res) => {
    let text = "";
    for await (const chunk of req) text += chunk;
    seen.push({ body: JSON.parse(text), headers: req.headers });
    const answer = script(seen.length);
    if (answer.hangMs) await new Promise((resolve) => setTimeout(resolve, answer.hangMs));
    res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe("http remote query", () => {
  let accountsServer: NodeServer;
  beforeAll(async () => {
    const engine = createEngine({ services: [accounts], store: new MemoryStore() });
    accountsServer = await serveNode(engine, { port: 0, relay: false });
    await engine.command(commandRequest("OpenAccount", "acc-1", { owner: "a@example.com" }), anonymousPrincipal);
    await engine.command(commandRequest("OpenAccount", "acc-2", { owner: "b@example.com" }), anonymousPrincipal);
  });
  afterAll(() => accountsServer.close());

  it("resolves a dependency on a service served by another Node process (the bank's accounts)", async () => {
    const remoteQuery = createHttpQuery({ endpoints: { accounts: accountsServer.url } });
    const engine = createEngine({ services: [transfers], store: new MemoryStore(), remoteQuery });
    const request = {
      ...commandRequest("RequestTransfer", "t-1"),
      commands: [
        { service: "transfers", command: "RequestTransfer", aggregateId: "t-1", attributes: { from: "acc-1", to: "acc-2", amount: 5 } },
      ],
    };
    expect((await engine.command(request, anonymousPrincipal)).status).toBe(200);
    const unknown = {
      ...request,
      requestId: crypto.randomUUID(),
      commands: [{ ...request.commands[0], aggregateId: "t-2", attributes: { from: "acc-1", to: "nope", amount: 5 } }],
    };
    expect((await engine.command(unknown, anonymousPrincipal)).body).toMatchObject({ error: { code: "unknown-account" } });
  });

  it("forwards request id, interaction id and breadcrumbs, and caches the answer for the request", async () => {
    const peer = await scriptedPeer(() => ({ status: 200, body: { invocationId: "i", result: { id: "acc-9" } } }));
    const query = createHttpQuery({ endpoints: () => peer.url, headers: () => ({ authorization: "Bearer service-token" }) });
    const ask = () => query({ ...scope, service: "accounts", query: "GetAccount", attributes: { id: "acc-9" } });
    expect(await ask()).toEqual({ id: "acc-9" });
    expect(await ask()).toEqual({ id: "acc-9" });
    expect(peer.seen).toHaveLength(1);
    expect(peer.seen[0]?.body).toEqual({
      ...scope,
      principal: undefined,
      realm: anonymousPrincipal.realm,
      query: { service: "accounts", query: "GetAccount", attributes: { id: "acc-9" } },
    });
    expect(peer.seen[0]?.headers.authorization).toBe("Bearer service-token");
    await peer.close();
  });

  it("retries a 5xx and a timeout a bounded number of times", async () => {
    const peer = await scriptedPeer((call) =>
      call === 1
        ? { status: 503, body: {} }
        : call === 2
          ? { status: 200, body: { result: "late" }, hangMs: 300 }
          : { status: 200, body: { result: "ok" } },
    );
    const query = createHttpQuery({ endpoints: { accounts: peer.url }, timeoutMs: 150, retries: 2, retryBaseMs: 1, cacheTtlMs: 0 });
    expect(await query({ ...scope, service: "accounts", query: "GetAccount", attributes: {} })).toBe("ok");
    expect(peer.seen).toHaveLength(3);
    await peer.close();

    const down = createHttpQuery({ endpoints: { accounts: peer.url }, retries: 1, retryBaseMs: 1 });
    await expect(down({ ...scope, service: "accounts", query: "GetAccount", attributes: {} })).rejects.toThrow(/after 2 attempts/);
  });

  it("never retries a 4xx and passes the remote's error on", async () => {
    const peer = await scriptedPeer(() => ({
      status: 400,
      body: { invocationId: "i", error: { code: "invalid-query", message: "bad id" } },
    }));
    const query = createHttpQuery({ endpoints: { accounts: peer.url }, retryBaseMs: 1 });
    const failure = await query({ ...scope, service: "accounts", query: "GetAccount", attributes: {} }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EddError);
    expect((failure as EddError).details).toEqual({ code: "invalid-query", message: "bad id" });
    expect(peer.seen).toHaveLength(1);
    await peer.close();
  });
});
