import { describe, expect, it } from "vitest";
import { anonymousPrincipal, type Logger } from "../../core/index.js";
import { MemoryCheckpointStore, MemoryViewStore } from "../../adapters/memory/index.js";
import { createEngine } from "../../core/index.js";
import { accountSummaries } from "../../examples/bank/views.js";
import { bankServices } from "../../examples/bank/services.js";
import { MemoryStore } from "../../adapters/memory/index.js";
import { BucketObjectStore } from "../../test/support/bucket-object-store.js";
import { albEvent, eddSchedule, httpApiV2Event, lambdaContext, s3ObjectCreatedEvent, sqsEvent } from "../../test/parity/fixtures/aws.js";
import { createLambdaHandlers } from "./index.js";

const open = (requestId: string, aggregateId: string, owner: string) =>
  JSON.stringify({ requestId, interactionId: requestId, commands: [{ command: "OpenAccount", aggregateId, attributes: { owner } }] });
const id = (n: number) => `50000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

function warnings(): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { info() {}, error() {}, warn: (message, fields) => lines.push({ message, ...fields }), lines };
}

function bank() {
  const store = new MemoryStore();
  const views = new MemoryViewStore();
  const engine = createEngine({ services: bankServices, store, views });
  const projections = {
    store,
    views,
    checkpoints: new MemoryCheckpointStore(),
    projections: [accountSummaries],
    realms: ["default", "acme"],
  };
  return { store, engine, projections };
}

const search = JSON.stringify({ query: { query: "SearchAccounts", attributes: {} } });

describe("Lambda HTTP edges", () => {
  it.each([false, true])("serves ALB target-group requests (multi-value headers: %s) and answers in the same form", async (multi) => {
    const { handler } = createLambdaHandlers(bank().engine, { logger: warnings() });
    const query = `request=${encodeURIComponent(JSON.stringify({ query: { query: "GetAccount", attributes: { id: "a b" } } }))}`;
    const result = (await handler(albEvent({ method: "GET", path: `/query?${query}` }, multi))) as Record<string, unknown>;
    // Decoded once: a query encoded twice would not parse and answer 400.
    expect(result).toMatchObject({ statusCode: 200, statusDescription: "200 OK", isBase64Encoded: false });
    expect(JSON.parse(result.body as string)).toHaveProperty("result");
    if (multi) expect(result).toMatchObject({ multiValueHeaders: { "content-type": ["application/json"] } });
    else expect(result).toMatchObject({ headers: { "content-type": "application/json" } });
    const posted = (await handler(
      albEvent(
        { method: "POST", path: "/command", headers: { "Content-Type": "application/json" }, body: open(id(1), "a", "a@example.com") },
        multi,
      ),
    )) as { statusCode: number };
    expect(posted.statusCode).toBe(200);
  });

  it("strips a named stage from an HTTP API's rawPath", async () => {
    const { handler } = createLambdaHandlers(bank().engine, { logger: warnings() });
    const event = httpApiV2Event({ method: "GET", path: "/prod/health" });
    const staged = { ...event, requestContext: { ...event.requestContext, stage: "prod" } };
    expect(await handler(staged)).toMatchObject({ statusCode: 200 });
    // A path that merely starts with the stage's letters keeps them.
    const other = { ...staged, rawPath: "/production/health" };
    expect(await handler(other)).toMatchObject({ statusCode: 404 });
  });

  it("serves a Function URL event without a Host header, or any headers", async () => {
    const { handler } = createLambdaHandlers(bank().engine, { logger: warnings() });
    const event = httpApiV2Event({ method: "GET", path: "/health" }, "$default");
    const { headers: _headers, ...headerless } = event;
    expect(await handler(headerless)).toMatchObject({ statusCode: 200 });
    const { domainName: _domain, ...context } = event.requestContext;
    expect(await handler({ ...headerless, requestContext: context })).toMatchObject({ statusCode: 200 });
  });
});

describe("Lambda scheduled and upload entries", () => {
  it("runs the projection step on its schedule, within the invocation's remaining time, so SearchAccounts answers", async () => {
    const { engine, projections } = bank();
    const { handler, project } = createLambdaHandlers(engine, { logger: warnings(), projections });
    await handler(
      httpApiV2Event({
        method: "POST",
        path: "/command",
        headers: { "content-type": "application/json" },
        body: open(id(2), "a", "a@example.com"),
      }),
    );
    const before = await engine.query(JSON.parse(search), anonymousPrincipal);
    expect(before.body).toMatchObject({ result: { total: 0 } });
    expect(await handler(eddSchedule("project"), lambdaContext(60_000))).toMatchObject({ events: 1, written: 1, caughtUp: true });
    expect((await engine.query(JSON.parse(search), anonymousPrincipal)).body).toMatchObject({ result: { total: 1 } });
    // Almost out of time: nothing is started.
    await handler(
      httpApiV2Event({
        method: "POST",
        path: "/command",
        headers: { "content-type": "application/json" },
        body: open(id(3), "b", "b@example.com"),
      }),
    );
    expect(await project({}, lambdaContext(0))).toMatchObject({ events: 0, caughtUp: false });
    expect(await project({}, lambdaContext(60_000))).toMatchObject({ events: 1, caughtUp: true });
  });

  it("refuses to run the projection step with no projections configured", async () => {
    const { project } = createLambdaHandlers(bank().engine, { logger: warnings() });
    await expect(project(eddSchedule("project"))).rejects.toThrow(/no projections are configured/);
  });

  it("dispatches the commands of an object created under commands/<realm>/ in that realm", async () => {
    const { engine, store } = bank();
    const uploads = new BucketObjectStore("bank-commands");
    const log = warnings();
    const { handler } = createLambdaHandlers(engine, { logger: log, uploads: { objectStore: uploads } });
    const key = "commands/acme/batch 1.jsonl";
    await uploads.put(key, [open(id(4), "x", "x@acme.example"), "not json", open(id(5), "y", "y@acme.example")].join("\n"));
    const [report] = (await handler(s3ObjectCreatedEvent("bank-commands", key))) as unknown[];
    expect(report).toMatchObject({ realm: "acme", done: 2, deadLettered: 1, problems: [{ line: 2, code: "malformed-json" }] });
    expect((await store.readFeed("acme", undefined, 10)).events).toHaveLength(2);
    expect(log.lines).toMatchObject([{ message: "queued command dead-lettered", source: "s3:bank-commands", messageId: `${key}#2` }]);
    // Another bucket's notification is refused by the store, not read.
    await expect(handler(s3ObjectCreatedEvent("payroll", "commands/acme/x.json"))).rejects.toThrow(/Only s3:\/\/bank-commands/);
  });

  it("resolves large commands on the SQS handler, and acknowledges an identity conflict as a logged dead letter", async () => {
    const { engine, store } = bank();
    const objects = new BucketObjectStore("large");
    const log = warnings();
    const { handler } = createLambdaHandlers(engine, { logger: log, objectStore: objects });
    const ref = await objects.put("edd-large-commands/x.json", open(id(6), "a", "same@example.com"));
    const reference = JSON.stringify({ eddLargeCommand: { ...ref, bytes: 300_000 } });
    const clash = open(id(7), "b", "same@example.com");
    const result = await handler(
      sqsEvent([
        { body: reference, groupId: "a" },
        { body: clash, groupId: "a", messageId: "m-clash" },
      ]),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect((await store.readFeed("default", undefined, 10)).events.map((e) => e.aggregateId)).toEqual(["a"]);
    expect(log.lines).toMatchObject([
      { message: "queued command dead-lettered", messageId: "m-clash", code: "identity-conflict", target: "OpenAccount/b" },
    ]);
  });
});
