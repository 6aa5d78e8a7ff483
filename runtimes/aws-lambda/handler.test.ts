import { describe, expect, it, vi } from "vitest";
import type { Engine } from "../../core/index.js";
import { createBankTestEngine } from "../../test/parity/engine.js";
import { apiGatewayV1Event, functionUrlEvent, httpApiV2Event } from "../../test/parity/fixtures/aws.js";
import { commandRequest } from "../../test/support/requests.js";
import { type ApiGatewayV1Result, type ApiGatewayV2Result, createLambdaHandler } from "./index.js";

const openAccount = JSON.stringify(
  commandRequest({ command: "OpenAccount", aggregateId: "acc-1", attributes: { owner: "ada@example.com" } }),
);
const getAccount = encodeURIComponent(JSON.stringify({ query: { query: "GetAccount", attributes: { id: "acc-1" } } }));

describe("Lambda HTTP events", () => {
  it("maps an API Gateway REST (1.0) request with a base64 body and mixed-case headers, and the response back", async () => {
    const handler = createLambdaHandler(createBankTestEngine().engine);
    const event = apiGatewayV1Event({
      method: "POST",
      path: "/command",
      body: openAccount,
      base64: true,
      headers: { "Content-Type": "application/json" },
    });
    const result = (await handler(event)) as ApiGatewayV1Result;
    expect(result.statusCode).toBe(200);
    expect(result.multiValueHeaders["content-type"]).toEqual(["application/json"]);
    expect(result.isBase64Encoded).toBe(false);
    expect(JSON.parse(result.body).result.commands[0]).toMatchObject({ command: "OpenAccount", version: 1 });
  });

  it("passes REST query strings, including repeated parameters, through to GET /query", async () => {
    const handler = createLambdaHandler(createBankTestEngine().engine);
    await handler(apiGatewayV1Event({ method: "POST", path: "/command", body: openAccount }));
    const event = apiGatewayV1Event({ method: "GET", path: `/query?request=${getAccount}&x=1&x=2` });
    expect(event.multiValueQueryStringParameters?.x).toEqual(["1", "2"]);
    const result = (await handler(event)) as ApiGatewayV1Result;
    expect([result.statusCode, JSON.parse(result.body).result]).toEqual([200, expect.objectContaining({ id: "acc-1", balance: 0 })]);
  });

  it("maps an HTTP API (2.0) request with a base64 body and maps status and content type back", async () => {
    const handler = createLambdaHandler(createBankTestEngine().engine);
    const created = (await handler(
      httpApiV2Event({ method: "POST", path: "/command", body: openAccount, base64: true }),
    )) as ApiGatewayV2Result;
    expect([created.statusCode, created.headers["content-type"]]).toEqual([200, "application/json"]);
    const again = (await handler(httpApiV2Event({ method: "POST", path: "/command", body: "{not json" }))) as ApiGatewayV2Result;
    expect([again.statusCode, JSON.parse(again.body).error.code]).toEqual([400, "malformed-json"]);
    const missing = (await handler(httpApiV2Event({ method: "GET", path: "/nowhere" }))) as ApiGatewayV2Result;
    expect([missing.statusCode, JSON.parse(missing.body).error.code]).toEqual([404, "not-found"]);
  });

  it("serves Function URL requests (payload 2.0, routeKey $default)", async () => {
    const handler = createLambdaHandler(createBankTestEngine().engine);
    const result = (await handler(functionUrlEvent({ method: "GET", path: "/health" }))) as ApiGatewayV2Result;
    expect([result.statusCode, JSON.parse(result.body)]).toEqual([200, { status: "ok", services: ["accounts", "transfers"] }]);
  });

  it("hands payload 2.0 cookies to the app as a cookie header", async () => {
    const seen = vi.fn(async () => ({ ok: false as const, code: "unauthenticated" as const, message: "no" }));
    const engine: Engine = { ...createBankTestEngine().engine, authenticate: seen };
    const handler = createLambdaHandler(engine);
    await handler({ ...httpApiV2Event({ method: "POST", path: "/command", body: openAccount }), cookies: ["a=1", "b=2"] });
    expect(seen).toHaveBeenCalledWith({ headers: expect.objectContaining({ cookie: "a=1; b=2" }) });
  });
});

describe("Lambda event detection", () => {
  it.each([
    ["a DynamoDB stream", { Records: [{ eventSource: "aws:dynamodb", dynamodb: {} }] }, /from aws:dynamodb/],
    [
      "an EventBridge event that is not a schedule",
      { source: "aws.s3", "detail-type": "Object Created", detail: {} },
      /keys: source, detail-type, detail/,
    ],
    ["nothing", null, /of type null/],
  ])("throws, naming the event, for %s", async (_name, event, detail) => {
    const handler = createLambdaHandler(createBankTestEngine().engine);
    await expect(handler(event)).rejects.toThrow(/unrecognised Lambda event/);
    await expect(handler(event)).rejects.toThrow(detail);
  });

  it("sweeps the outbox on an EventBridge schedule and reports what it delivered", async () => {
    const { engine } = createBankTestEngine();
    const system = { id: "test", realm: "default", roles: [] };
    // Stored straight into the engine: no invocation drained these effects.
    await engine.command(
      commandRequest([
        { command: "OpenAccount", aggregateId: "acc-1", attributes: { owner: "ada@example.com" } },
        { command: "Deposit", aggregateId: "acc-1", attributes: { amount: 5 } },
        { command: "OpenAccount", aggregateId: "acc-2", attributes: { owner: "bob@example.com" } },
      ]),
      system,
    );
    await engine.command(
      commandRequest({
        service: "transfers",
        command: "RequestTransfer",
        aggregateId: "t-1",
        attributes: { from: "acc-1", to: "acc-2", amount: 2 },
      }),
      system,
    );
    const handler = createLambdaHandler(engine);
    expect(await handler({ source: "aws.events", "detail-type": "Scheduled Event", detail: {} })).toMatchObject({
      delivered: 4,
      drained: true,
    });
  });

  it("builds the engine on the first invocation, once, and again after a failed start", async () => {
    const factory = vi
      .fn<() => Promise<Engine>>()
      .mockRejectedValueOnce(new Error("database not reachable"))
      .mockResolvedValue(createBankTestEngine().engine);
    const handler = createLambdaHandler(factory);
    expect(factory).not.toHaveBeenCalled();
    const health = functionUrlEvent({ method: "GET", path: "/health" });
    await expect(handler(health)).rejects.toThrow("database not reachable");
    expect(((await handler(health)) as ApiGatewayV2Result).statusCode).toBe(200);
    expect(((await handler(health)) as ApiGatewayV2Result).statusCode).toBe(200);
    expect(factory).toHaveBeenCalledTimes(2);
  });
});

describe("Lambda effects", () => {
  const commands = JSON.stringify(
    commandRequest([
      { command: "OpenAccount", aggregateId: "a", attributes: { owner: "a@example.com" } },
      { command: "Deposit", aggregateId: "a", attributes: { amount: 10 } },
      { command: "OpenAccount", aggregateId: "b", attributes: { owner: "b@example.com" } },
    ]),
  );
  const transfer = JSON.stringify(
    commandRequest({ command: "RequestTransfer", aggregateId: "t", attributes: { from: "a", to: "b", amount: 4 } }),
  );

  it("delivers the effects an invocation stored before it returns, since a frozen instance runs nothing after", async () => {
    const { engine, store } = createBankTestEngine();
    const handler = createLambdaHandler(engine);
    await handler(httpApiV2Event({ method: "POST", path: "/command", body: commands }));
    await handler(httpApiV2Event({ method: "POST", path: "/command", body: transfer }));
    expect(store.outboxSize()).toBe(0);
    const types = (await store.readFeed("default", undefined, 100)).events.filter((e) => e.aggregateId === "t").map((e) => e.type);
    expect(types).toEqual(["TransferRequested", "TransferDebited", "TransferCompleted"]);
  });

  it("leaves effects in the outbox for a relay elsewhere with relay: false", async () => {
    const { engine, store } = createBankTestEngine();
    const handler = createLambdaHandler(engine, { relay: false });
    await handler(httpApiV2Event({ method: "POST", path: "/command", body: commands }));
    await handler(httpApiV2Event({ method: "POST", path: "/command", body: transfer }));
    expect(store.outboxSize()).toBe(1);
  });
});
