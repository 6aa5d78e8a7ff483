import { request as httpRequest } from "node:http";
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../adapters/memory/index.js";
import { type AuthInput, type Authenticator, createEngine, type Engine, type Logger } from "../../core/index.js";
import { bankServices } from "../../examples/bank/services.js";
import { fixedTime, sequentialIds } from "../../test/parity/engine.js";
import { hangUpThenClose } from "../../test/support/hang-up.js";
import { type NodeServerOptions, serveNode } from "./serve.js";

const requestId = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
const interactionId = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d";
const open = (aggregateId: string, extra: Record<string, unknown> = {}, owner = "ada@example.com") =>
  JSON.stringify({ requestId, interactionId, commands: [{ command: "OpenAccount", aggregateId, attributes: { owner } }], ...extra });
const openAgain = open("acc-1")
  .replace(requestId, interactionId)
  .replace(/"interactionId":"[^"]+"/, `"interactionId":"${requestId}"`);

/** One HTTP request as the test sends it: raw header pairs, so duplicates and odd casing reach the server as written. */
interface Send {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: readonly [string, string][];
  readonly body?: string | Buffer;
  /** Sent without Content-Length, in chunks. */
  readonly chunked?: boolean;
}

interface Case {
  readonly name: string;
  /** Sent in order to one server; the last one's answer is compared. */
  readonly sends: readonly Send[];
  /** Whether the last request is answered without the hono app. */
  readonly direct: boolean;
  readonly authenticator?: Authenticator;
  readonly options?: NodeServerOptions;
  /** Replaces the engine's command (to make it throw, say). */
  readonly command?: Engine["command"];
}

const bearer = (token: string): [string, string] => ["Authorization", `Bearer ${token}`];

/** Accepts `Bearer ada` as ada, refuses anything else. */
const tokenAuthenticator: Authenticator = async (input: AuthInput) =>
  input.headers.authorization === "Bearer ada"
    ? { ok: true, principal: { id: "ada", realm: "default", roles: [] } }
    : { ok: false, code: "unauthenticated", message: "No valid token." };

const cases: Case[] = [
  { name: "a command", sends: [{ body: open("acc-1") }], direct: true },
  { name: "the same request again (idempotent replay)", sends: [{ body: open("acc-1") }, { body: open("acc-1") }], direct: true },
  { name: "a command the domain refuses (the account exists)", sends: [{ body: open("acc-1") }, { body: openAgain }], direct: true },
  { name: "a body starting with a byte-order mark", sends: [{ body: `\uFEFF${open("acc-1")}` }], direct: true },
  { name: "the seed path /commands", sends: [{ path: "/commands", body: open("acc-1") }], direct: true },
  {
    name: "an envelope zod refuses (paths and messages)",
    sends: [{ body: JSON.stringify({ requestId: "nope", commands: [] }) }],
    direct: true,
  },
  { name: "attributes the command's schema refuses", sends: [{ body: open("acc-1", {}, "not-an-email") }], direct: true },
  { name: "fields only effects may set", sends: [{ body: open("acc-1", { breadcrumbs: [0] }) }], direct: true },
  { name: "a JSON value that is no envelope", sends: [{ body: "[1,2]" }], direct: true },
  { name: "malformed JSON", sends: [{ body: "{not json" }], direct: true },
  { name: "an empty body", sends: [{ body: "" }], direct: true },
  { name: "bytes that are not UTF-8", sends: [{ body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }], direct: true },
  { name: "a large body within the limit", sends: [{ body: open("acc-1", {}, `${"x".repeat(300_000)}@example.com`) }], direct: true },
  {
    name: "a traceparent",
    sends: [{ body: open("acc-1"), headers: [["traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"]] }],
    direct: true,
  },
  { name: "a body over the limit", sends: [{ body: open("acc-1") }], direct: false, options: { maxBodyBytes: 64 } },
  { name: "a chunked body without Content-Length", sends: [{ body: open("acc-1"), chunked: true }], direct: false },
  { name: "a chunked body over the limit", sends: [{ body: open("acc-1"), chunked: true }], direct: false, options: { maxBodyBytes: 64 } },
  {
    name: "an accepted token",
    sends: [{ body: open("acc-1"), headers: [bearer("ada")] }],
    direct: true,
    authenticator: tokenAuthenticator,
  },
  { name: "no token", sends: [{ body: open("acc-1") }], direct: false, authenticator: tokenAuthenticator },
  { name: "a token refused", sends: [{ body: open("acc-1"), headers: [bearer("eve")] }], direct: false, authenticator: tokenAuthenticator },
  {
    name: "duplicate headers, odd casing and padded values (what the authenticator sees)",
    sends: [
      {
        body: open("acc-1"),
        headers: [
          ["Authorization", "  Bearer ada  "],
          ["COOKIE", "a=1"],
          ["cookie", "b=2"],
          ["X-Tag", "one"],
          ["x-tag", "two"],
        ],
      },
    ],
    direct: true,
    authenticator: tokenAuthenticator,
  },
  {
    name: "an authenticator that throws (500 without the stack)",
    sends: [{ body: open("acc-1") }],
    direct: false,
    authenticator: async () => {
      throw new Error("identity provider unreachable");
    },
  },
  {
    name: "an engine that throws (500 without the stack)",
    sends: [{ body: open("acc-1") }],
    direct: true,
    command: async () => {
      throw new Error("store on fire");
    },
  },
  { name: "a page from another origin", sends: [{ body: open("acc-1"), headers: [["Origin", "https://evil.example"]] }], direct: false },
  {
    name: "a cross-site request without Origin",
    sends: [{ body: open("acc-1"), headers: [["Sec-Fetch-Site", "cross-site"]] }],
    direct: false,
  },
  {
    name: "a same-origin request without Origin",
    sends: [{ body: open("acc-1"), headers: [["Sec-Fetch-Site", "same-origin"]] }],
    direct: true,
  },
  {
    name: "a Host not on the loopback list (DNS rebinding)",
    sends: [{ body: open("acc-1"), headers: [["Host", "evil.example"]] }],
    direct: false,
  },
  { name: "a loopback Host in capitals", sends: [{ body: open("acc-1"), headers: [["Host", "LOCALHOST:8080"]] }], direct: true },
  {
    name: "a Host on a configured list",
    sends: [{ body: open("acc-1"), headers: [["Host", "api.example.com"]] }],
    direct: true,
    options: { allowedHosts: ["API.example.com"] },
  },
  {
    name: "a Host off a configured list",
    sends: [{ body: open("acc-1"), headers: [["Host", "other.example.com"]] }],
    direct: false,
    options: { allowedHosts: ["api.example.com"] },
  },
  { name: "CORS configured", sends: [{ body: open("acc-1") }], direct: false, options: { cors: { origins: ["https://app.example.com"] } } },
  { name: "GET /command", sends: [{ method: "GET" }], direct: false },
  { name: "PUT /command", sends: [{ method: "PUT", body: open("acc-1") }], direct: false },
  { name: "a trailing slash", sends: [{ path: "/command/", body: open("acc-1") }], direct: false },
  { name: "a query string", sends: [{ path: "/command?from=test", body: open("acc-1") }], direct: false },
  {
    name: "POST /query",
    sends: [
      { body: open("acc-1") },
      { path: "/query", body: JSON.stringify({ query: { query: "GetAccount", attributes: { id: "acc-1" } } }) },
    ],
    direct: false,
  },
];

function send(url: string, message: Send): Promise<{ status: number; headers: string[]; body: string }> {
  const target = new URL(message.path ?? "/command", url);
  const headers: string[] = [];
  for (const [name, value] of message.headers ?? []) headers.push(name, value);
  if (!headers.some((name, i) => i % 2 === 0 && name.toLowerCase() === "host")) headers.push("Host", target.host);
  const body = message.body ?? "";
  if (message.body !== undefined && !message.chunked) headers.push("Content-Length", String(Buffer.byteLength(body)));
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: message.method ?? "POST",
        headers,
        setHost: false,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.once("error", reject);
        incoming.once("end", () => {
          // Every header as written, names' case and order included; only the clock's Date differs.
          const raw = incoming.rawHeaders.flatMap((value, i, all) => (i % 2 === 0 ? [`${value}: ${all[i + 1]}`] : []));
          resolve({
            status: incoming.statusCode ?? 0,
            headers: raw.filter((line) => !line.startsWith("Date: ")),
            body: Buffer.concat(chunks).toString(),
          });
        });
      },
    );
    outgoing.once("error", reject);
    if (message.chunked) {
      const text = String(body);
      outgoing.write(text.slice(0, 10));
      outgoing.end(text.slice(10));
    } else outgoing.end(body);
  });
}

/** One server: its answers, what its authenticator saw, the refusals it logged, the errors it logged, how many requests reached the app. */
async function run(testCase: Case, appOnly: boolean) {
  const seen: string[] = [];
  const refusals: unknown[] = [];
  const errors: unknown[] = [];
  let viaApp = 0;
  const recording: Authenticator | undefined =
    testCase.authenticator === undefined
      ? undefined
      : (input) => {
          seen.push(JSON.stringify(input));
          return (testCase.authenticator as Authenticator)(input);
        };
  const base = createEngine({
    services: bankServices,
    store: new MemoryStore(),
    clock: { now: () => fixedTime },
    ids: sequentialIds(),
    ...(recording === undefined ? {} : { authenticator: recording }),
  });
  const engine: Engine = {
    ...base,
    ...(testCase.command === undefined ? {} : { command: testCase.command }),
    logRefusal: (refusal) => {
      refusals.push(refusal);
      return base.logRefusal(refusal);
    },
  };
  // An error's stack names the path it took: its first line is compared.
  const firstLine = (value: unknown) => String(value).split("\n")[0];
  const logger: Logger = {
    info() {},
    warn() {},
    error: (message, fields) => errors.push({ message, fields: { ...fields, error: firstLine(fields?.error) } }),
  };
  const server = await serveNode(engine, {
    port: 0,
    relay: false,
    logger,
    ...testCase.options,
    ...(appOnly ? { directCommands: false } : {}),
    mount: (app) => {
      const fetch = app.fetch;
      app.fetch = (...args) => {
        viaApp++;
        return fetch(...args);
      };
    },
  });
  try {
    let answer: Awaited<ReturnType<typeof send>> | undefined;
    let before = 0;
    for (const message of testCase.sends) {
      before = viaApp;
      answer = await send(server.url, message);
    }
    // The port is the server's own; what the authenticator saw is otherwise compared as it is.
    const port = new URL(server.url).port;
    const inputs = [...new Set(seen.map((input) => input.replaceAll(`:${port}"`, ':<port>"')))];
    return { answer: answer as NonNullable<typeof answer>, seen: inputs, refusals, errors, lastViaApp: viaApp > before };
  } finally {
    await server.close();
  }
}

/** Ids minted at the HTTP edge are random: each is replaced by where it first appeared. */
function withoutRandomIds(value: unknown): unknown {
  const text = JSON.stringify(value);
  const ids = [...new Set(text.match(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g) ?? [])].filter(
    (id) => !id.startsWith("00000000-") && id !== requestId && id !== interactionId,
  );
  return JSON.parse(ids.reduce((out, id, i) => out.replaceAll(id, `<random id ${i}>`), text));
}

/** A refusal as logged, its receipt time aside (the wall clock). */
const loggedRefusal = (refusal: unknown) => {
  const { receivedAt: _, ...rest } = refusal as { receivedAt: Date };
  return rest;
};

describe("Node commands answered without the fetch API", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s: the same answer, byte for byte, as the app's", async (_name, testCase) => {
    const direct = await run(testCase, false);
    const app = await run(testCase, true);
    expect(app.lastViaApp).toBe(true);
    expect(direct.lastViaApp).toBe(!testCase.direct);
    expect(withoutRandomIds(direct.answer)).toEqual(withoutRandomIds(app.answer));
    expect(direct.seen).toEqual(app.seen);
    expect(withoutRandomIds(direct.refusals.map(loggedRefusal))).toEqual(withoutRandomIds(app.refusals.map(loggedRefusal)));
    expect(withoutRandomIds(direct.errors)).toEqual(withoutRandomIds(app.errors));
    // No answer at the edge carries a stack trace; every refusal names its code.
    expect(direct.answer.body).not.toMatch(/\bat .*\.(ts|js):\d+/);
    if (direct.answer.status >= 400) expect(JSON.parse(direct.answer.body)).toMatchObject({ error: { code: expect.any(String) } });
  });

  it("leaves a claims source of the caller's own to the app, which alone hands it hono's context", async () => {
    const claims: unknown[] = [];
    const withClaims = (appOnly: boolean) =>
      run(
        {
          name: "",
          sends: [{ body: open("acc-1") }],
          direct: false,
          options: {
            verifiedClaims: (c) => {
              claims.push(c.req.path);
              return undefined;
            },
          },
        },
        appOnly,
      );
    expect((await withClaims(false)).lastViaApp).toBe(true);
    expect(claims).toEqual(["/command"]);
  });

  it("finishes a command whose client hung up before it closes the store", async () => {
    const order: string[] = [];
    let entered: () => void = () => {};
    const inCommand = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    class RecordingStore extends MemoryStore {
      override async close(): Promise<void> {
        order.push("store closed");
      }
    }
    const base = createEngine({ services: bankServices, store: new RecordingStore() });
    const engine: Engine = {
      ...base,
      command: async (...args) => {
        entered();
        await released;
        const result = await base.command(...args);
        order.push(`command answered ${result.status}`);
        return result;
      },
    };
    const server = await serveNode(engine, { port: 0, relay: false });
    const answer = await hangUpThenClose(server, { path: "/command", body: open("acc-1") }, { entered: inCommand, release, order });
    expect(answer).toBe("hung up");
    expect(order).toEqual(["command answered 200", "store closed"]);
  });

  it("answers a 4xx with the error's code and the paths of the fields zod refused", async () => {
    const { answer } = await run({ name: "", sends: [{ body: open("acc-1", {}, "not-an-email") }], direct: true }, false);
    expect(answer.status).toBe(400);
    expect(answer.headers).toEqual([
      "Content-Type: application/json",
      "Connection: keep-alive",
      "Keep-Alive: timeout=5",
      `Content-Length: ${Buffer.byteLength(answer.body)}`,
    ]);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: "invalid-command" } });
    expect(answer.body).toContain("owner");
  });
});
