import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import { createEngine } from "../core/index.js";
import type { Service } from "../core/model/service.js";
import type { CommandTypes, QueryTypes, ServiceTypes } from "../core/model/typing.js";
import { bankServices } from "../examples/bank/services.js";
import { type NodeServer, serveNode } from "../runtimes/node/index.js";
import { runDocExamples } from "../test/support/doc-examples.js";
import { type ClientResult, type CommandOutcome, createClient, createMockClient, failWith } from "./index.js";

let server: NodeServer;

beforeAll(async () => {
  server = await serveNode(createEngine({ services: bankServices, store: new MemoryStore() }), { port: 0, relay: false });
});
afterAll(() => server.close());

/** What the server saw of each attempt, and a way to make chosen attempts fail. */
type Fault = "none" | "network-before" | "503-after-applying" | "503-before";

function faultyFetch(faults: Fault[]) {
  const attempts: { requestId: string; interactionId: string; authorization: string | null }[] = [];
  const fetchWithFaults: typeof fetch = async (input, init) => {
    const body = JSON.parse(String(init?.body)) as { requestId: string; interactionId: string };
    const headers = new Headers(init?.headers);
    attempts.push({ requestId: body.requestId, interactionId: body.interactionId, authorization: headers.get("authorization") });
    const fault = faults[attempts.length - 1] ?? "none";
    if (fault === "network-before") throw new TypeError("fetch failed");
    if (fault === "503-before") return Response.json({ error: { code: "unavailable", message: "proxy" } }, { status: 503 });
    const response = await fetch(input, init);
    // The server applied the command but the answer was lost on the way back.
    if (fault === "503-after-applying") return new Response("<html>Bad gateway</html>", { status: 503 });
    return response;
  };
  return { fetch: fetchWithFaults, attempts };
}

function accountId(): string {
  return `acc-${crypto.randomUUID()}`;
}

function expectOk<R>(result: ClientResult<R>): R {
  if (!result.ok) throw new Error(`expected success, got ${result.status} ${result.error.code}: ${result.error.message}`);
  return result.result;
}

describe("createClient against the bank example on Node", () => {
  it("opens, deposits, is refused an overdraft and reads the account", async () => {
    const client = createClient<typeof bankServices>({ baseUrl: server.url });
    const id = accountId();
    const opened = expectOk(await client.command("OpenAccount", id, { owner: "ada@example.com" }));
    expect(opened.commands[0]).toMatchObject({ command: "OpenAccount", aggregateId: id, version: 1 });
    expectOk(await client.command("Deposit", id, { amount: 500 }));

    const refused = await client.command("Withdraw", id, { amount: 800 });
    expect(refused).toMatchObject({ ok: false, status: 422, error: { code: "insufficient-funds", details: { balance: 500 } } });

    const account = expectOk(await client.query("GetAccount", { id }));
    expect(account).toMatchObject({ id, status: "open", balance: 500, version: 2 });
  });

  it("keeps one interaction id per client and a new request id per call", async () => {
    const faults = faultyFetch([]);
    const client = createClient({ baseUrl: server.url, fetch: faults.fetch });
    await client.query("GetAccount", { id: "x" });
    await client.query("GetAccount", { id: "y" });
    const [first, second] = faults.attempts;
    expect(first?.interactionId).toBe(client.interactionId);
    expect(second?.interactionId).toBe(client.interactionId);
    expect(first?.requestId).not.toBe(second?.requestId);
  });

  it("retries a command whose answer was lost with the same request id, and it applies once", async () => {
    const id = accountId();
    await createClient({ baseUrl: server.url }).command("OpenAccount", id, { owner: "bo@example.com" });
    const faults = faultyFetch(["503-after-applying", "503-after-applying"]);
    const client = createClient({ baseUrl: server.url, fetch: faults.fetch, backoffMs: 1 });

    const deposited = expectOk(await client.command("Deposit", id, { amount: 70 }));

    expect(faults.attempts).toHaveLength(3);
    expect(new Set(faults.attempts.map((a) => a.requestId)).size).toBe(1);
    expect(deposited.commands[0]?.version).toBe(2);
    const account = expectOk(await client.query("GetAccount", { id }));
    expect(account).toMatchObject({ balance: 70, version: 2 });
  });

  it("retries after a network error with the same request id", async () => {
    const faults = faultyFetch(["network-before"]);
    const client = createClient({ baseUrl: server.url, fetch: faults.fetch, backoffMs: 1 });
    const id = accountId();
    expectOk(await client.command("OpenAccount", id, { owner: "cy@example.com" }));
    expect(faults.attempts.map((a) => a.requestId)).toEqual([faults.attempts[0]?.requestId, faults.attempts[0]?.requestId]);
  });

  it("gives up after the configured retries and says why", async () => {
    const faults = faultyFetch(["503-before", "503-before", "503-before"]);
    const client = createClient({ baseUrl: server.url, fetch: faults.fetch, retries: 2, backoffMs: 1 });
    const result = await client.query("GetAccount", { id: "x" });
    expect(result).toMatchObject({ ok: false, status: 503, error: { code: "unavailable" } });
    expect(faults.attempts).toHaveLength(3);
  });

  it("answers status 0 when the network never comes back", async () => {
    const faults = faultyFetch(["network-before", "network-before"]);
    const client = createClient({ baseUrl: server.url, fetch: faults.fetch, retries: 1, backoffMs: 1 });
    const result = await client.query("GetAccount", { id: "x" });
    expect(result).toMatchObject({ ok: false, status: 0, error: { code: "network-error", message: "fetch failed" } });
  });

  it("never retries a 4xx", async () => {
    const faults = faultyFetch([]);
    const client = createClient({ baseUrl: server.url, fetch: faults.fetch, backoffMs: 1 });
    const invalid = await client.command("Deposit", accountId(), { amount: -5 });
    expect(invalid).toMatchObject({ ok: false, status: 400, error: { code: "invalid-command" } });
    const rejected = await client.command("Deposit", accountId(), { amount: 5 });
    expect(rejected).toMatchObject({ ok: false, status: 422, error: { code: "account-not-open" } });
    expect(faults.attempts).toHaveLength(2);
  });

  it("asks the token hook before every attempt", async () => {
    const faults = faultyFetch(["503-before"]);
    let issued = 0;
    const client = createClient({ baseUrl: server.url, fetch: faults.fetch, backoffMs: 1, token: async () => `t${++issued}` });
    await client.query("GetAccount", { id: "x" });
    expect(faults.attempts.map((a) => a.authorization)).toEqual(["Bearer t1", "Bearer t2"]);
  });
});

describe("createMockClient", () => {
  it("answers from handlers without a server and records the calls", async () => {
    const client = createMockClient<typeof bankServices>({
      commands: {
        Withdraw: ({ amount }) => failWith("insufficient-funds", `Cannot withdraw ${String(amount)}.`, { details: { balance: 0 } }),
      },
      queries: { GetAccount: ({ id }) => ({ id, version: 3, status: "open", owner: "ada@example.com", balance: 42 }) },
    });

    expect(await client.query("GetAccount", { id: "a1" })).toMatchObject({ ok: true, result: { id: "a1", balance: 42 } });
    expect(await client.command("Withdraw", "a1", { amount: 5 })).toMatchObject({
      ok: false,
      status: 422,
      error: { code: "insufficient-funds", details: { balance: 0 } },
    });
    expect(await client.command("Deposit", "a1", { amount: 5 })).toMatchObject({
      ok: false,
      status: 404,
      error: { code: "unknown-command" },
    });
    expect(client.calls.map((call) => call.name)).toEqual(["GetAccount", "Withdraw", "Deposit"]);
  });

  it("fills in an outcome when a command handler answers nothing", async () => {
    const client = createMockClient({ commands: { Deposit: () => undefined } });
    const result = await client.command("Deposit", "a1", { amount: 5 });
    expect(result).toMatchObject({ ok: true, result: { commands: [{ command: "Deposit", aggregateId: "a1" }] } });
  });
});

describe("client types", () => {
  // Services known by their types alone, as ServiceBuilder types them once it records commands and queries.
  type Declared<C extends CommandTypes, Q extends QueryTypes> = Omit<Service, "__commands" | "__queries"> & ServiceTypes<C, Q>;
  type TypedAccounts = Declared<
    { Deposit: { amount: number }; OpenAccount: { owner: string } },
    { GetAccount: { attributes: { id: string }; result: { balance: number } | null } }
  >;
  type TypedTransfers = Declared<{ RequestTransfer: { from: string; to: string; amount: number } }, Record<never, never>>;

  it("derives names, attributes and results from the services", async () => {
    const client = createMockClient<[TypedAccounts, TypedTransfers]>({
      commands: { Deposit: ({ amount }) => (amount > 0 ? undefined : failWith("bad-amount", "Positive amounts only.")) },
      queries: { GetAccount: () => ({ balance: 1 }) },
    });
    const answer = await client.query("GetAccount", { id: "a" });
    if (answer.ok) expectTypeOf(answer.result).toEqualTypeOf<{ balance: number } | null>();
    expectTypeOf(client.command<"Deposit">)
      .parameter(2)
      .toEqualTypeOf<{ amount: number }>();
    expectTypeOf(client.command).returns.resolves.toEqualTypeOf<ClientResult<CommandOutcome>>();

    expectTypeOf(client.command<"RequestTransfer">)
      .parameter(2)
      .toEqualTypeOf<{ from: string; to: string; amount: number }>();
    // @ts-expect-error: no such command
    await client.command("Withdraw", "a", { amount: 1 });
    // @ts-expect-error: attributes of another command
    await client.command("Deposit", "a", { owner: "x" });
    // @ts-expect-error: the query needs an id
    await client.query("GetAccount", {});
  });
});

describe("docs/client.md", () => {
  it("runs its examples", async () => {
    await runDocExamples("docs/client.md");
  });
});

// Type-level checks: these lines compile only while the client is typed from the bank's services.
it("types commands and queries from the bank's service definitions (checked by tsc)", () => {
  expectTypeOf(typedBankClientCompiles).toBeFunction();
});

async function typedBankClientCompiles() {
  const client = createClient<typeof bankServices>({ baseUrl: "http://127.0.0.1:9" });
  await client.command("OpenAccount", "a", { owner: "x@example.com" });
  await client.command("RequestTransfer", "t", { from: "a", to: "b", amount: 1 });
  // @ts-expect-error Deposit takes an amount, not an owner
  await client.command("Deposit", "a", { owner: "x" });
  // @ts-expect-error no such command
  await client.command("Nope", "a", {});
  const account = await client.query("GetAccount", { id: "a" });
  const balance: number | undefined = account.ok ? account.result?.balance : undefined;
  const transfer = await client.query("GetTransfer", { id: "t" });
  const status: string | undefined = transfer.ok ? transfer.result?.status : undefined;
  return { balance, status };
}
