import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryTransport } from "../adapters/memory/transport.js";
import { createEngine, type Engine } from "../core/index.js";
import { systemPrincipal } from "edd/pipeline";
import { publishCommand } from "../core/pipeline/effects/queue-publish.js";
import { createQueueWorker } from "../core/pipeline/effects/queue-worker.js";
import { createOutboxRelay } from "../core/pipeline/effects/relay.js";
import type { CommandRequestBody, DeadLetter, Store } from "../core/ports/store.js";
import { bankServices } from "../examples/bank/services.js";
import type { CliContext } from "../runtimes/cli/context.js";
import { dlqCommand } from "../runtimes/cli/dlq.js";
import { describeStoreTarget, openStoreFromEnv } from "../runtimes/cli/open-store.js";
import { describeDynamo, dynamoTable } from "./support/dynamodb.js";
import { postgresUnavailable, postgresUrl, randomSchema } from "./support/postgres-available.js";

/** Runs `edd dlq …` as main would, capturing what it prints. */
async function edd(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { json?: boolean; openStore?: CliContext["config"]["openStore"] } = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const context: CliContext = {
    config: { services: bankServices, ...(options.openStore === undefined ? {} : { openStore: options.openStore }) },
    env,
    out: (line) => out.push(line),
    err: (text) => err.push(text),
    json: options.json ?? false,
  };
  const code = await dlqCommand(args, context);
  return { code, out, err: err.join(""), json: () => JSON.parse(out.join("\n")) as unknown };
}

function request(service: string, command: string, aggregateId: string, attributes: Record<string, unknown> = {}): CommandRequestBody {
  return { requestId: randomUUID(), interactionId: randomUUID(), commands: [{ service, command, aggregateId, attributes }] };
}

async function run(engine: Engine, body: CommandRequestBody): Promise<void> {
  expect((await engine.command(body, systemPrincipal("default"))).status).toBe(200);
}

async function count(store: Store, account: string, type: string): Promise<number> {
  const events = await store.readAggregateEvents({ realm: "default", service: "accounts", aggregateId: account });
  return events.filter((event) => event.type === type).length;
}

const unavailable = await postgresUnavailable();

describe("edd dlq: usage and store selection (no database needed)", () => {
  it("exits 2 with the usage on every usage mistake", async () => {
    for (const args of [
      [],
      ["nope"],
      ["show"],
      ["show", "abc"],
      ["show", "1", "2"],
      ["redrive", "1", "--all"],
      ["list", "--bogus"],
      ["discard", "--all"],
    ]) {
      const result = await edd(args, {});
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.err).toContain("usage: edd dlq list");
    }
  });

  it("exits 3 when the store cannot be opened", async () => {
    const failing = async () => {
      throw new Error("connection refused");
    };
    const result = await edd(["list"], {}, { openStore: failing });
    expect(result.code).toBe(3);
    expect(result.err).toMatch(/cannot open the store: connection refused/);
  });

  it("opens PGlite in EDD_DATA_DIR by default and names Postgres without its password", async () => {
    const dir = await mkdtemp(join(tmpdir(), "edd-dlq-"));
    try {
      const result = await edd(["list"], { EDD_DATA_DIR: dir });
      expect(result).toMatchObject({ code: 0, out: ["no dead letters"] });
      expect(describeStoreTarget({ EDD_DATA_DIR: dir })).toBe(`pglite ${dir} schema edd`);
      expect(describeStoreTarget({ DATABASE_URL: "postgres://ops:secret@db:5432/bank", EDD_SCHEMA: "s1" })).toBe(
        "postgres db:5432/bank schema s1",
      );
      // DynamoDB wins over DATABASE_URL when it is configured.
      expect(describeStoreTarget({ DATABASE_URL: "postgres://db/bank", DYNAMODB_ENDPOINT: "http://127.0.0.1:8000" })).toBe(
        "dynamodb http://127.0.0.1:8000 table edd",
      );
      expect(describeStoreTarget({ EDD_DYNAMODB_TABLE: "bank", AWS_REGION: "eu-west-1", EDD_DYNAMODB_NAMESPACE: "prod" })).toBe(
        "dynamodb region eu-west-1 table bank namespace prod",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000); // a fresh PGlite folder (initdb) and every migration: near 30 s on a loaded machine
});

if (unavailable !== undefined) {
  describe.skip(`edd dlq on PostgreSQL: skipped, ${unavailable}`, () => {
    it("needs PostgreSQL", () => {});
  });
} else {
  describe("edd dlq on PostgreSQL", () => {
    const schema = randomSchema();
    const env = { DATABASE_URL: postgresUrl, EDD_SCHEMA: schema };

    afterAll(async () => {
      const db = new pg.Client({ connectionString: postgresUrl });
      await db.connect();
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.end();
    });

    itRunsTheDeadLetterLifecycle(() => env);
  });
}

describeDynamo("edd dlq on DynamoDB Local", (endpoint) => {
  let table: Awaited<ReturnType<typeof dynamoTable>>;
  const env: NodeJS.ProcessEnv = {};
  beforeAll(async () => {
    table = await dynamoTable(endpoint);
    Object.assign(env, { DYNAMODB_ENDPOINT: endpoint, EDD_DYNAMODB_TABLE: table.tableName, EDD_DYNAMODB_NAMESPACE: randomUUID() });
  });
  afterAll(() => table.close());
  itRunsTheDeadLetterLifecycle(() => env);
});

/** The whole life of dead letters through `edd dlq`, against the store the environment names. */
function itRunsTheDeadLetterLifecycle(envOf: () => NodeJS.ProcessEnv): void {
  it("dead-letters poison commands, then lists, shows, redrives exactly once and discards them", async () => {
    const env = envOf();
    const store = await openStoreFromEnv(env);
    const engine = createEngine({ services: bankServices, store });
    try {
      await run(engine, request("accounts", "OpenAccount", "acc-a", { owner: "a@example.com" }));
      await run(engine, request("accounts", "Deposit", "acc-a", { amount: 100 }));
      await run(engine, request("accounts", "OpenAccount", "acc-b", { owner: "b@example.com" }));

      // Poison 1, rejected: a queued deposit to an account nobody opened yet. Poison 2, malformed JSON.
      const queue = new MemoryTransport();
      const worker = createQueueWorker(engine, queue);
      await publishCommand(queue, request("accounts", "Deposit", "acc-late", { amount: 25 }), "default");
      expect(await worker.drain()).toMatchObject({ deadLettered: 1 });
      await queue.publish({ body: "{not json", realm: "default", orderingKey: "junk", deduplicationId: "junk" });
      expect(await worker.drain()).toMatchObject({ deadLettered: 1 });

      // Poison 3, a fault: the transfer's credit keeps failing until the relay gives up after 3 attempts.
      let accountsDown = true;
      const relay = createOutboxRelay(engine, {
        maxAttempts: 3,
        retryBaseMs: 1,
        deliver: async (item) => {
          if (accountsDown && item.request.commands[0]?.command === "CreditForTransfer") throw new Error("accounts database unreachable");
          return engine.command(item.request, systemPrincipal(item.realm), { trusted: true });
        },
      });
      await run(engine, request("transfers", "RequestTransfer", "t-1", { from: "acc-a", to: "acc-b", amount: 30 }));
      const deadline = Date.now() + 10_000;
      while ((await store.listDeadLetters()).length < 3 && Date.now() < deadline) await relay.runOnce();

      const listed = await edd(["list", "--json"], env);
      expect(listed.code).toBe(0);
      const letters = listed.json() as DeadLetter[];
      const [rejected, malformed, faulted] = letters;
      expect(letters.map((l) => [l.source, l.error.code, l.attempts])).toEqual([
        ["memory:commands", "account-not-open", 1],
        ["memory:commands", "malformed-json", 1],
        ["outbox", "internal-error", 3],
      ]);
      if (rejected === undefined || malformed === undefined || faulted === undefined) throw new Error("expected three dead letters");
      expect(faulted.error.message).toContain("accounts database unreachable");
      expect(Date.parse(faulted.firstFailedAt)).toBeLessThanOrEqual(Date.parse(faulted.lastFailedAt));
      expect(faulted.message).toMatchObject({
        breadcrumbs: [0, 0, 0, 0],
        commands: [{ command: "CreditForTransfer", aggregateId: "acc-b" }],
      });
      // Queue dead letters keep the raw body; --json shows it as JSON all the same, or as text when it is not JSON.
      expect(rejected.message).toMatchObject({ commands: [{ command: "Deposit", aggregateId: "acc-late" }] });
      expect(malformed.message).toBe("{not json");

      const table = await edd(["list", "--realm", "default"], env);
      expect(table.out[0]).toMatch(/^ID\s+REALM\s+SOURCE\s+COMMAND\s+ATTEMPTS\s+LAST FAILED\s+ERROR$/);
      expect(table.out.slice(1).join("\n")).toMatch(/Deposit acc-late[\s\S]*\(unparsed\) \{not json[\s\S]*CreditForTransfer acc-b\s+3/);
      expect((await edd(["list", "--realm", "elsewhere"], env)).out).toEqual(["no dead letters"]);
      expect((await edd(["show", faulted.id], env)).out).toContain("attempts:      3");

      // Not fixed yet: the redrive fails, exit 1, the letter stays.
      const early = await edd(["redrive", rejected.id], env, { json: true });
      expect(early.code).toBe(1);
      expect(early.json()).toEqual([
        { id: rejected.id, outcome: "failed", status: 422, error: expect.objectContaining({ code: "account-not-open" }) },
      ]);

      // Fixed: the account exists now. Applied once; a second redrive finds nothing.
      await run(engine, request("accounts", "OpenAccount", "acc-late", { owner: "late@example.com" }));
      const fixed = await edd(["redrive", rejected.id], env, { json: true });
      expect(fixed).toMatchObject({ code: 0 });
      expect(fixed.json()).toEqual([{ id: rejected.id, outcome: "applied", status: 200 }]);
      expect(await count(store, "acc-late", "Deposited")).toBe(1);
      const again = await edd(["redrive", rejected.id], env);
      expect(again.code).toBe(1);
      expect(again.out).toEqual([`${rejected.id}: no open dead letter`]);
      expect(await count(store, "acc-late", "Deposited")).toBe(1);

      // A malformed message cannot be fixed: discard it.
      expect((await edd(["discard", malformed.id, "--operator", "ops@example.com"], env)).out).toEqual([`discarded ${malformed.id}`]);
      expect((await edd(["discard", malformed.id], env)).code).toBe(1);

      // The credit arrived meanwhile by another copy (an effect: the trusted path); redriving it applies nothing twice.
      accountsDown = false;
      const copy = await engine.command(faulted.message as CommandRequestBody, systemPrincipal("default"), { trusted: true });
      expect(copy.status).toBe(200);
      const all = await edd(["redrive", "--all"], env);
      expect(all).toMatchObject({ code: 0, out: [`${faulted.id}: applied (200), marked redriven`] });
      expect(await count(store, "acc-b", "Deposited")).toBe(1);
      expect((await edd(["list"], env)).out).toEqual(["no dead letters"]);

      // Nothing was deleted: the history names each outcome, who decided and when.
      const history = (await edd(["list", "--history", "--json"], env)).json() as DeadLetter[];
      expect(history.map((l) => [l.id, l.resolution?.outcome, l.resolution?.operator])).toEqual([
        [rejected.id, "redriven", env.USER || "cli"],
        [malformed.id, "discarded", "ops@example.com"],
        [faulted.id, "redriven", env.USER || "cli"],
      ]);
      for (const letter of history) expect(Date.parse(letter.resolution?.at ?? "")).toBeGreaterThan(Date.parse(letter.lastFailedAt) - 1);
      const shown = await edd(["list", "--history"], env);
      expect(shown.out[0]).toMatch(/ERROR\s+RESOLVED$/);
      expect(shown.out.join("\n")).toContain("discarded by ops@example.com at");
      expect((await edd(["show", malformed.id], env)).out).toContainEqual(
        expect.stringMatching(/^resolved: +discarded by ops@example.com at /),
      );

      await relay.drain();
      const transfer = await engine.query({ query: { query: "GetTransfer", attributes: { id: "t-1" } } }, systemPrincipal("default"));
      expect(transfer.body).toMatchObject({ result: { status: "completed" } });
    } finally {
      await store.close();
    }
  });
}
