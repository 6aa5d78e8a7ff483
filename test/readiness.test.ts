import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Hono } from "hono";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import { createPostgresStore } from "../adapters/postgres/index.js";
import { createEngine, type Store } from "../core/index.js";
import { bankServices } from "../examples/bank/services.js";
import { createHttpApp } from "../runtimes/http/index.js";
import { serveNode } from "../runtimes/node/index.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";
import { queryRequest } from "./support/requests.js";
import { slowQuery } from "./support/slow-query.js";

const appOn = (store: Store, options: Parameters<typeof createHttpApp>[1] = {}) =>
  createHttpApp(createEngine({ services: bankServices, store }), options);

async function ready(app: Hono): Promise<{ status: number; body: unknown; cache: string | null }> {
  const response = await app.request("/ready");
  return { status: response.status, body: await response.json(), cache: response.headers.get("cache-control") };
}

/** A store whose response lookup fails or never answers, as a lost database connection does. */
function brokenStore(findResponse: Store["findResponse"]): Store {
  const store = new MemoryStore();
  return new Proxy(store, { get: (target, key) => (key === "findResponse" ? findResponse : Reflect.get(target, key, target)) });
}

describe("GET /ready", () => {
  it("answers 200 when the store answers, uncached, while /health stays a plain liveness answer", async () => {
    const app = appOn(new MemoryStore());
    expect(await ready(app)).toEqual({ status: 200, body: { status: "ready" }, cache: "no-store" });
    expect((await app.request("/health")).status).toBe(200);
  });

  it("answers 503 without the store's error text when the store fails, and 503 when it does not answer in time", async () => {
    const failing = appOn(brokenStore(() => Promise.reject(new Error("password authentication failed for user bank"))));
    const answer = await ready(failing);
    expect(answer).toMatchObject({ status: 503, body: { status: "unavailable", reason: "store-unreachable" } });
    expect(JSON.stringify(answer.body)).not.toContain("password");
    // Liveness does not depend on the store: restarting the process would not bring the database back.
    expect((await failing.request("/health")).status).toBe(200);
    const hung = appOn(
      brokenStore(() => new Promise(() => {})),
      { readyTimeoutMs: 20 },
    );
    expect(await ready(hung)).toMatchObject({ status: 503, body: { reason: "store-timeout" } });
  });

  it("answers 503 once serveNode starts draining, while the in-flight request still finishes", async () => {
    const { service: slow, inHandler, release } = slowQuery();
    let app: Hono | undefined;
    const server = await serveNode(createEngine({ services: [slow], store: new MemoryStore() }), {
      port: 0,
      relay: false,
      mount: (mounted) => {
        app = mounted;
      },
    });
    if (app === undefined) throw new Error("mount was not called");
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    const inFlight = fetch(`${server.url}/query`, { method: "POST", body: JSON.stringify(queryRequest("Wait", {})) });
    await inHandler;
    const closed = server.close();
    expect(await ready(app)).toMatchObject({ status: 503, body: { reason: "draining" } });
    release();
    expect((await inFlight).status).toBe(200);
    await closed;
  });
});

describePostgres("GET /ready on PostgreSQL", () => {
  const schema = testSchema();
  afterAll(() => dropSchemas([schema]));

  it("answers 200 on a live database, 503 once the pool is closed and 503 when the server is unreachable", async () => {
    const store = await createPostgresStore({ connectionString: databaseUrl, schema, poolSize: 1 });
    const app = appOn(store);
    expect((await ready(app)).status).toBe(200);
    await store.close();
    expect(await ready(app)).toMatchObject({ status: 503, body: { reason: "store-unreachable" } });
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    const nowhere = await createPostgresStore({ connectionString: "postgres://postgres@127.0.0.1:9/test", migrate: false, poolSize: 1 });
    try {
      expect(await ready(appOn(nowhere))).toMatchObject({ status: 503, body: { reason: "store-unreachable" } });
    } finally {
      await nowhere.close();
    }
  });
});

describe("SIGTERM on the Node runtime", () => {
  it("lets the in-flight request finish, stops the process with code 0, and logs why", async () => {
    const script = new URL("./fixtures/slow-node-server.ts", import.meta.url).pathname;
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", script], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const lines = createInterface({ input: child.stdout });
    const logged: string[] = [];
    const nextLine = (match: (line: string) => boolean) =>
      new Promise<string>((resolve, reject) => {
        lines.on("line", (line) => {
          logged.push(line);
          if (match(line)) resolve(line);
        });
        child.once("close", () => reject(new Error(`exited before the expected line; logged:\n${logged.join("\n")}\n${stderr}`)));
      });
    const listening = nextLine((line) => line.startsWith("http://"));
    const url = await listening;
    const entered = nextLine((line) => line === "entered");
    const inFlight = fetch(`${url}/query`, { method: "POST", body: JSON.stringify(queryRequest("Wait", {})) });
    await entered;
    child.kill("SIGTERM");
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ result: "finished" });
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/"message":"stopping","signal":"SIGTERM"/);
  }, 20_000);
});
