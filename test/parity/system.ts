import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createEngine } from "edd";
import { createPostgresStore, type PostgresQueueTransport } from "edd/postgres";
import { bankServices } from "../../examples/bank/services.js";
import { fixedTime, sequentialIds } from "./engine.js";
import { functionUrlEvent, sqsEvent } from "./fixtures/aws.js";
import { pubSubPushBody } from "./fixtures/google.js";
import type { BundleHost } from "./system-host.js";

/**
 * The whole system, once per runtime bundle in a fresh process on its own PostgreSQL schema:
 * HTTP, queued commands (one large, one poison), the sweep recovering effects a crashed
 * invocation left, and a view query after the projection entry ran.
 */

export type SystemAnswer = { status: number; body: unknown } | "acknowledged" | "redelivered" | "ran";

const id = (n: number) => `80000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const request = (n: number, command: string, aggregateId: string, attributes: Record<string, unknown>, service?: string) =>
  JSON.stringify({
    requestId: id(n),
    interactionId: id(n),
    commands: [{ ...(service ? { service } : {}), command, aggregateId, attributes }],
  });
const bigOwner = `${"b".repeat(300)}@example.com`;
export const largeObjectKey = "edd-large-commands/parity.json";

/** What a crashed invocation left: accounts, and a transfer whose effects never left the outbox. Same ids and clock everywhere. */
export async function seedStrandedTransfer(connectionString: string, schema: string, objectsDir: string): Promise<void> {
  const store = await createPostgresStore({ connectionString, schema, poolSize: 2 });
  const engine = createEngine({ services: bankServices, store, clock: { now: () => fixedTime }, ids: sequentialIds() });
  const system = { id: "seed", realm: "default", roles: [] };
  for (const body of [
    request(1, "OpenAccount", "acc-x", { owner: "x@example.com" }),
    request(2, "Deposit", "acc-x", { amount: 100 }),
    request(3, "OpenAccount", "acc-y", { owner: "y@example.com" }),
    request(4, "RequestTransfer", "t-1", { from: "acc-x", to: "acc-y", amount: 30 }, "transfers"),
  ]) {
    const answer = await engine.command(JSON.parse(body), system);
    if (answer.status !== 200) throw new Error(`seeding failed: ${JSON.stringify(answer.body)}`);
  }
  await store.close();
  mkdirSync(join(objectsDir, "edd-large-commands"), { recursive: true });
  writeFileSync(join(objectsDir, largeObjectKey), request(7, "OpenAccount", "acc-big", { owner: bigOwner }));
}

type Step =
  | { name: string; http: { method: "GET" | "POST"; path: string; body?: string } }
  | { name: string; queue: { messageId: string; body: string; aggregateId: string } }
  | { name: string; run: "sweep" | "project" };

const search = JSON.stringify({ query: { query: "SearchAccounts", attributes: { sort: "owner" } } });
export const systemScenario: readonly Step[] = [
  {
    name: "open account over HTTP",
    http: { method: "POST", path: "/command", body: request(5, "OpenAccount", "acc-1", { owner: "ada@example.com" }) },
  },
  { name: "queued deposit", queue: { messageId: "q-1", body: request(6, "Deposit", "acc-1", { amount: 5 }), aggregateId: "acc-1" } },
  {
    name: "large command",
    queue: {
      messageId: "q-2",
      body: JSON.stringify({ eddLargeCommand: { store: "file", key: largeObjectKey, bytes: 400 } }),
      aggregateId: "acc-big",
    },
  },
  { name: "poison message", queue: { messageId: "q-3", body: "{oops", aggregateId: "acc-x" } },
  { name: "sweep", run: "sweep" },
  {
    name: "transfer completed",
    http: { method: "POST", path: "/query", body: JSON.stringify({ query: { query: "GetTransfer", attributes: { id: "t-1" } } }) },
  },
  { name: "projection", run: "project" },
  { name: "search accounts", http: { method: "POST", path: "/query", body: search } },
];

export interface SystemDriver {
  http(call: { method: string; path: string; body?: string }): Promise<SystemAnswer>;
  enqueue(message: { messageId: string; body: string; aggregateId: string }): Promise<SystemAnswer>;
  run(task: "sweep" | "project"): Promise<SystemAnswer>;
}

export async function runSystemScenario(driver: SystemDriver): Promise<{ name: string; answer: SystemAnswer }[]> {
  const transcript: { name: string; answer: SystemAnswer }[] = [];
  for (const step of systemScenario) {
    const answer =
      "http" in step ? await driver.http(step.http) : "queue" in step ? await driver.enqueue(step.queue) : await driver.run(step.run);
    transcript.push({ name: step.name, answer });
  }
  return transcript;
}

const json = { "content-type": "application/json" };
const parse = (text: string) => (text === "" ? null : JSON.parse(text));

/** A host answer that reports a thrown invocation stops the run, naming it. */
function answered(answer: Record<string, unknown>): Record<string, unknown> {
  if ("threw" in answer) throw new Error(`the bundle threw: ${String(answer.threw)}`);
  return answer;
}

export function lambdaSystemDriver(host: BundleHost): SystemDriver {
  return {
    async http(call) {
      const { result } = await host.call({
        kind: "lambda",
        export: "handler",
        event: functionUrlEvent({ ...call, headers: json } as never),
      });
      const answer = result as { statusCode: number; body: string };
      return { status: answer.statusCode, body: parse(answer.body) };
    },
    async enqueue(message) {
      const event = sqsEvent([{ messageId: message.messageId, body: message.body, groupId: message.aggregateId, realm: "default" }]);
      const { result } = answered(await host.call({ kind: "lambda", export: "handler", event }));
      return (result as { batchItemFailures: unknown[] }).batchItemFailures.length === 0 ? "acknowledged" : "redelivered";
    },
    async run(task) {
      const answer = await host.call({ kind: "lambda", export: task, event: { edd: task }, remainingMs: 60_000 });
      return "threw" in answer ? "redelivered" : "ran";
    },
  };
}

export function azureSystemDriver(host: BundleHost): SystemDriver {
  return {
    async http(call) {
      const url = `http://localhost:7071/api${call.path}`;
      const answer = answered(
        await host.call({
          kind: "azure-http",
          method: call.method,
          url,
          path: call.path.slice(1),
          headers: json,
          body: call.body,
        }),
      );
      return { status: answer.status as number, body: parse(answer.text as string) };
    },
    async enqueue(message) {
      // The v4 host hands JSON bodies over parsed, other text as a string.
      let body: unknown = message.body;
      try {
        body = JSON.parse(message.body);
      } catch {}
      const metadata = {
        messageId: message.messageId,
        sessionId: message.aggregateId,
        deliveryCount: 1,
        applicationProperties: { "edd-realm": "default" },
      };
      const answer = await host.call({ kind: "azure", handler: "serviceBus", message: body, metadata });
      return "threw" in answer ? "redelivered" : "acknowledged";
    },
    async run(task) {
      const answer = await host.call({ kind: "azure", handler: task });
      return "threw" in answer ? "redelivered" : "ran";
    },
  };
}

async function fetchAnswer(url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, init);
  return { status: response.status, body: parse(await response.text()) };
}

export function cloudRunSystemDriver(host: BundleHost): SystemDriver {
  return {
    http: (call) =>
      fetchAnswer(`${host.url}${call.path}`, { method: call.method, headers: json, ...(call.body ? { body: call.body } : {}) }),
    async enqueue(message) {
      const push = pubSubPushBody({ data: message.body, messageId: message.messageId, orderingKey: message.aggregateId });
      const response = await fetch(`${host.url}/_edd/pubsub`, { method: "POST", headers: json, body: JSON.stringify(push) });
      await response.arrayBuffer();
      return [102, 200, 201, 202, 204].includes(response.status) ? "acknowledged" : "redelivered";
    },
    async run(task) {
      const response = await fetch(`${host.url}/_edd/${task}`, { method: "POST" });
      await response.arrayBuffer();
      return response.status === 200 ? "ran" : "redelivered";
    },
  };
}

/**
 * Node runs its entries as workers in the server process: queued commands go onto the PostgreSQL
 * queue its consumer reads, and the sweep and projections run on their own; each step waits until
 * its worker has done the work, with a deadline.
 */
export function nodeSystemDriver(host: BundleHost, queue: PostgresQueueTransport, sql: (text: string) => Promise<unknown[]>): SystemDriver {
  return {
    http: (call) =>
      fetchAnswer(`${host.url}${call.path}`, { method: call.method, headers: json, ...(call.body ? { body: call.body } : {}) }),
    async enqueue(message) {
      await queue.publish({ body: message.body, realm: "default", orderingKey: message.aggregateId, deduplicationId: message.messageId });
      await until(async () => (await sql("SELECT 1 FROM {schema}.queue_messages WHERE state = 'ready'")).length === 0, "the queue worker");
      const [row] = (await sql(`SELECT state FROM {schema}.queue_messages WHERE deduplication_id = '${message.messageId}'`)) as {
        state: string;
      }[];
      return row?.state === "done" ? "acknowledged" : "redelivered";
    },
    async run(task) {
      if (task === "sweep")
        await until(
          async () => (await sql("SELECT 1 FROM {schema}.outbox WHERE status NOT IN ('delivered', 'dead')")).length === 0,
          "the relay's sweep",
        );
      else
        await until(
          async () => (await sql("SELECT 1 FROM {schema}.view_documents WHERE view = 'accounts.summary' AND NOT deleted")).length === 4,
          "the projections",
        );
      return "ran";
    },
  };
}

async function until(done: () => Promise<boolean>, what: string, deadlineMs = 20_000): Promise<void> {
  const stopAt = Date.now() + deadlineMs;
  while (!(await done())) {
    if (Date.now() > stopAt) throw new Error(`${what} did not finish within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
