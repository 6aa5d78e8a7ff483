import { InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import { createEngine } from "../core/index.js";
import type { Span, StartSpanOptions, Tracer } from "../core/ports/tracer.js";
import { bankServices } from "../examples/bank/services.js";
import { handleSqsBatch } from "../runtimes/aws-lambda/sqs.js";
import { lazyEdd } from "../runtimes/shared/engine-source.js";
import { createAzureServiceBusHandler } from "../runtimes/azure-functions/index.js";
import { dispatchPushedMessage } from "../runtimes/cloud-run/push.js";
import { silentLogger } from "../core/ports/logger.js";
import { commandRequest } from "./support/requests.js";

/** A Tracer port that remembers the remote parent each span was started under. */
function recordingTracer() {
  const started: { name: string; parent: string | undefined; tracestate: string | undefined }[] = [];
  const span: Span = { setAttribute() {}, recordError() {}, end() {} };
  const tracer: Tracer = {
    startSpan(name, _attributes, options: StartSpanOptions = {}) {
      started.push({ name, parent: options.parent, tracestate: options.tracestate });
      return span;
    },
    withSpan: (_span, fn) => fn(),
  };
  return { tracer, started };
}

const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const tracestate = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
const commandsOf = (started: ReturnType<typeof recordingTracer>["started"]) =>
  started.filter((span) => span.name === "edd.command").map(({ parent, tracestate }) => ({ parent, tracestate }));
const open = (id: string) => commandRequest({ command: "OpenAccount", aggregateId: id, attributes: { owner: `${id}@example.com` } });

describe("platform queue consumers continue the message's trace", () => {
  it("Lambda SQS: from the traceparent and tracestate message attributes", async () => {
    const { tracer, started } = recordingTracer();
    const engine = createEngine({ services: bankServices, store: new MemoryStore(), tracer });
    const record = (body: object, messageAttributes = {}) => ({
      messageId: crypto.randomUUID(),
      body: JSON.stringify(body),
      attributes: { ApproximateReceiveCount: "1" },
      messageAttributes,
      eventSource: "aws:sqs" as const,
      eventSourceARN: "arn:aws:sqs:eu-west-1:000000000000:commands.fifo",
    });
    const answer = await handleSqsBatch(lazyEdd(engine, { logger: silentLogger }), {
      Records: [
        record(open("l-1"), {
          traceparent: { stringValue: traceparent, dataType: "String" },
          tracestate: { stringValue: tracestate, dataType: "String" },
        }),
        record(open("l-2")),
        // A tracestate without a traceparent means nothing: dropped.
        record(open("l-3"), { tracestate: { stringValue: tracestate, dataType: "String" } }),
      ],
    });
    expect(answer.batchItemFailures).toEqual([]);
    expect(commandsOf(started)).toEqual([
      { parent: traceparent, tracestate },
      { parent: undefined, tracestate: undefined },
      { parent: undefined, tracestate: undefined },
    ]);
  });

  it("Azure Functions Service Bus: from the traceparent and tracestate application properties", async () => {
    const { tracer, started } = recordingTracer();
    const engine = createEngine({ services: bankServices, store: new MemoryStore(), tracer });
    const handler = createAzureServiceBusHandler(engine, "edd-commands");
    const context = new InvocationContext({
      logHandler: () => {},
      triggerMetadata: { deliveryCount: 1, messageId: "m-1", applicationProperties: { traceparent, tracestate } },
    });
    await handler(open("s-1"), context);
    expect(commandsOf(started)).toEqual([{ parent: traceparent, tracestate }]);
  });

  it("Cloud Run Pub/Sub push: from the traceparent and tracestate attributes, ignoring malformed ones", async () => {
    const { tracer, started } = recordingTracer();
    const engine = createEngine({ services: bankServices, store: new MemoryStore(), tracer });
    const push = (id: string, attributes: Record<string, string>) => ({
      subscription: "projects/p/subscriptions/commands",
      message: { messageId: id, data: Buffer.from(JSON.stringify(open(id))).toString("base64"), attributes },
    });
    expect((await dispatchPushedMessage(engine, push("p-1", { traceparent, tracestate }))).outcome).toBe("done");
    expect((await dispatchPushedMessage(engine, push("p-2", { traceparent: "00-nonsense", tracestate }))).outcome).toBe("done");
    // A malformed tracestate is dropped; the traceparent beside it still counts.
    expect((await dispatchPushedMessage(engine, push("p-3", { traceparent, tracestate: "Congo=upper-case-key" }))).outcome).toBe("done");
    expect(commandsOf(started)).toEqual([
      { parent: traceparent, tracestate },
      { parent: undefined, tracestate: undefined },
      { parent: traceparent, tracestate: undefined },
    ]);
  });
});
