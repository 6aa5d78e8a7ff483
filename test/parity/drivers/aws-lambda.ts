import { silentLogger } from "../../../core/index.js";
import type { Engine } from "../../../core/index.js";
import {
  type ApiGatewayV1Result,
  type ApiGatewayV2Result,
  createLambdaHandler,
  type SqsBatchResponse,
} from "../../../runtimes/aws-lambda/index.js";
import { apiGatewayV1Event, functionUrlEvent, httpApiV2Event, sqsEvent } from "../fixtures/aws.js";
import type { HttpCall, RuntimeDriver } from "../scenario.js";

export type LambdaHttpSource = "api-gateway-v1" | "http-api-v2" | "function-url";

const events = { "api-gateway-v1": apiGatewayV1Event, "http-api-v2": httpApiV2Event, "function-url": functionUrlEvent };

/** Lambda invoked the way AWS invokes it: HTTP calls as `source` events, queued commands as a FIFO SQS batch. */
export function lambdaDriver(engine: Engine, source: LambdaHttpSource): RuntimeDriver {
  const handler = createLambdaHandler(engine, { logger: silentLogger });
  return {
    async http(call: HttpCall) {
      const result = (await handler(events[source](call))) as ApiGatewayV1Result | ApiGatewayV2Result;
      const contentType = "multiValueHeaders" in result ? result.multiValueHeaders["content-type"]?.[0] : result.headers["content-type"];
      const text = result.isBase64Encoded ? Buffer.from(result.body, "base64").toString("utf8") : result.body;
      return { status: result.statusCode, contentType: contentType ?? null, body: text === "" ? null : JSON.parse(text) };
    },
    async enqueue(message) {
      const event = sqsEvent([{ messageId: message.messageId, body: message.body, groupId: message.aggregateId, realm: message.realm }]);
      const result = (await handler(event)) as SqsBatchResponse;
      return result.batchItemFailures.length === 0 ? "acknowledged" : "redelivered";
    },
    close: () => engine.store.close(),
  };
}
