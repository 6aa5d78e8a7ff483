import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "../../core/index.js";
import type { DeadLetter } from "edd/ports";
import { lambdaDriver } from "./drivers/aws-lambda.js";
import { azureFunctionsDriver } from "./drivers/azure-functions.js";
import { cloudRunDriver } from "./drivers/cloud-run.js";
import { nodeDriver } from "./drivers/node.js";
import { createBankTestEngine } from "./engine.js";
import { type RuntimeDriver, runScenario } from "./scenario.js";

type TestEngine = ReturnType<typeof createBankTestEngine>;

const runtimes: Record<string, (engine: TestEngine["engine"], store: TestEngine["store"]) => RuntimeDriver | Promise<RuntimeDriver>> = {
  node: (engine, store) => nodeDriver(engine, store),
  "aws-lambda (API Gateway REST, SQS)": (engine) => lambdaDriver(engine, "api-gateway-v1"),
  "aws-lambda (HTTP API, SQS)": (engine) => lambdaDriver(engine, "http-api-v2"),
  "aws-lambda (Function URL, SQS)": (engine) => lambdaDriver(engine, "function-url"),
  "azure-functions (HTTP, Service Bus)": (engine) => azureFunctionsDriver(engine),
  "cloud-run (HTTP, Pub/Sub push)": (engine) => cloudRunDriver(engine, "pubsub-push"),
  "cloud-run (HTTP, Eventarc)": (engine) => cloudRunDriver(engine, "eventarc"),
};

interface Run {
  transcript: Awaited<ReturnType<typeof runScenario>>;
  events: readonly StoredEvent[];
  deadLetters: readonly DeadLetter[];
}

const runs = new Map<string, Run>();

beforeAll(async () => {
  for (const [name, start] of Object.entries(runtimes)) {
    const { engine, store } = createBankTestEngine();
    const driver = await start(engine, store);
    try {
      const transcript = await runScenario(driver);
      runs.set(name, {
        transcript,
        events: (await store.readFeed("default", undefined, 1000)).events,
        deadLetters: await store.listDeadLetters(),
      });
    } finally {
      await driver.close();
    }
  }
});

afterAll(() => runs.clear());

/** Invocation ids the HTTP app draws at random (for its own errors) differ per run; everything else is fixed. */
function masked(transcript: Run["transcript"]): unknown {
  return JSON.parse(JSON.stringify(transcript), (key, value) => (key === "invocationId" ? "<invocation>" : value));
}

const reference = () => runs.get("node") as Run;

describe("runtime parity", () => {
  it("the reference run answers the scenario as the protocol says", () => {
    const answers = reference().transcript.map(({ name, answer }) =>
      typeof answer === "string" ? [name, answer] : [name, answer.status, answer.contentType, errorCode(answer.body)],
    );
    expect(answers).toEqual([
      ["health", 200, "application/json", undefined],
      ["open account", 200, "application/json", undefined],
      ["deposit", 200, "application/json", undefined],
      ["rejected withdrawal", 422, "application/json", "insufficient-funds"],
      ["query", 200, "application/json", undefined],
      ["duplicate request id", 200, "application/json", undefined],
      ["open second account", 200, "application/json", undefined],
      ["transfer (effects)", 200, "application/json", undefined],
      ["transfer completed", 200, "application/json", undefined],
      ["unknown command", 404, "application/json", "unknown-command"],
      ["malformed body", 400, "application/json", "malformed-json"],
      ["queued command", "acknowledged"],
      ["malformed queued message", "acknowledged"],
      ["cacheable query", 200, "application/json", undefined],
    ]);
    const [deposit, duplicate] = ["deposit", "duplicate request id"].map((name) =>
      reference().transcript.find((step) => step.name === name),
    );
    // A resent request id replays the stored response, its invocation id included: nothing ran twice.
    expect(duplicate?.answer).toEqual(deposit?.answer);
    const answer = (name: string) => reference().transcript.find((step) => step.name === name)?.answer;
    expect(answer("transfer completed")).toMatchObject({ body: { result: { status: "completed" } } });
    expect(answer("cacheable query")).toMatchObject({ body: { result: { balance: 120, version: 4 } } });
  });

  it("the reference run stored the expected events and dead letter", () => {
    const line = (e: StoredEvent) =>
      `${e.aggregateId}#${e.sequence} ${e.type} ${JSON.stringify(e.data)} by ${e.meta.actor} for ${e.meta.initiator}`;
    expect(reference().events.map(line)).toEqual([
      'acc-1#1 AccountOpened {"owner":"ada@example.com"} by anonymous for anonymous',
      'acc-1#2 Deposited {"amount":100} by anonymous for anonymous',
      'acc-2#1 AccountOpened {"owner":"bo@example.com"} by anonymous for anonymous',
      't-1#1 TransferRequested {"from":"acc-1","to":"acc-2","amount":30} by anonymous for anonymous',
      // Effects name the service whose event caused them, and the customer who asked for the transfer.
      'acc-1#3 Withdrawn {"amount":30,"transferId":"t-1"} by system:effects/transfers for anonymous',
      't-1#2 TransferDebited {"to":"acc-2","amount":30} by system:effects/accounts for anonymous',
      'acc-2#2 Deposited {"amount":30,"transferId":"t-1"} by system:effects/transfers for anonymous',
      "t-1#3 TransferCompleted {} by system:effects/accounts for anonymous",
      // A command taken from a queue is applied by the queue consumer, which also started it.
      'acc-1#4 Deposited {"amount":50} by system:queue for system:queue',
    ]);
    expect(reference().deadLetters).toMatchObject([{ realm: "default", message: "{oops", error: { code: "malformed-json" }, attempts: 1 }]);
  });

  const others = Object.keys(runtimes).filter((name) => name !== "node");
  it.each(others)("%s answers exactly as node does", (name) => {
    expect(masked((runs.get(name) as Run).transcript)).toEqual(masked(reference().transcript));
  });

  it.each(others)("%s leaves exactly node's event log and dead letters", (name) => {
    const run = runs.get(name) as Run;
    expect(run.events).toEqual(reference().events);
    // Where a dead letter came from is platform-specific by design ("sqs:…", "pubsub:…").
    const portable = (letters: readonly DeadLetter[]) =>
      letters.map(({ realm, message, error, attempts }) => ({ realm, message, error, attempts }));
    expect(portable(run.deadLetters)).toEqual(portable(reference().deadLetters));
  });
});

function errorCode(body: unknown): string | undefined {
  const error = (body as { error?: { code?: string } } | null)?.error;
  return error?.code;
}
