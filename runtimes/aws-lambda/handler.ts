import { type EngineSource, lazyEdd, type ServerlessOptions } from "../shared/engine-source.js";
import { isScheduledEvent, type SweepReport, sweepOutbox } from "../shared/sweep.js";
import { type ApiGatewayV1Result, isApiGatewayV1Event, requestFromV1, resultForV1 } from "./http-v1.js";
import { type ApiGatewayV2Result, isApiGatewayV2Event, requestFromV2, resultForV2 } from "./http-v2.js";
import { handleSqsBatch, isSqsEvent, type SqsBatchResponse } from "./sqs.js";

export type LambdaResult = ApiGatewayV1Result | ApiGatewayV2Result | SqsBatchResponse | SweepReport;

export type LambdaHandlerOptions = ServerlessOptions;

/** The Lambda handler: `(event, context) => result`. The context is not needed. */
export type LambdaHandler = (event: unknown) => Promise<LambdaResult>;

/**
 * One handler for every event edd accepts on Lambda, told apart by shape: SQS batches go to the
 * queue dispatch, API Gateway (REST or HTTP API) and Function URL requests to the one HTTP app.
 * The engine is built on the first invocation, not at module load.
 */
export function createLambdaHandler(source: EngineSource, options: LambdaHandlerOptions = {}): LambdaHandler {
  const edd = lazyEdd(source, { verifiedClaims: authorizerClaims, ...options });
  const serveHttp = async <T>(event: unknown, request: Request, toResult: (response: Response) => Promise<T>): Promise<T> => {
    // The event rides along as the app's environment, so the authorizer's claims can be read.
    const response = await (await edd.httpApp()).fetch(request, { event });
    // Lambda freezes the instance once the handler returns: effects are delivered now or not until the next event.
    await edd.deliverEffects();
    return toResult(response);
  };
  return async (event) => {
    // EventBridge schedule: deliver what earlier invocations left in the outbox (crashed, timed out, retries now due).
    if (isScheduledEvent(event)) return sweepOutbox(await edd.engine(), options.relay === false ? {} : (options.relay ?? {}));
    if (isSqsEvent(event)) {
      const failures = await handleSqsBatch(await edd.engine(), event, edd.logger);
      await edd.deliverEffects();
      return failures;
    }
    if (isApiGatewayV2Event(event)) return serveHttp(event, requestFromV2(event), resultForV2);
    if (isApiGatewayV1Event(event)) return serveHttp(event, requestFromV1(event), resultForV1);
    throw new Error(
      `edd: unrecognised Lambda event ${describe(event)}. Expected an SQS batch, an API Gateway REST (1.0) or HTTP API (2.0) request, or a Function URL request.`,
    );
  };
}

function describe(event: unknown): string {
  if (typeof event !== "object" || event === null) return `of type ${event === null ? "null" : typeof event}`;
  const source = (event as { Records?: { eventSource?: unknown }[] }).Records?.[0]?.eventSource;
  const keys = Object.keys(event).slice(0, 8).join(", ");
  return typeof source === "string" ? `from ${source} (keys: ${keys})` : `with keys: ${keys || "none"}`;
}

/**
 * Claims API Gateway verified before invoking the function: a JWT authorizer (HTTP API:
 * `authorizer.jwt.claims`), a Cognito authorizer (REST: `authorizer.claims`) or a Lambda
 * authorizer's context (`authorizer.lambda`, or `authorizer` itself on REST).
 */
export function authorizerClaims(c: { env: unknown }): Readonly<Record<string, unknown>> | undefined {
  const authorizer = record(record(record(record(c.env)?.event)?.requestContext)?.authorizer);
  if (authorizer === undefined) return undefined;
  return record(record(authorizer.jwt)?.claims) ?? record(authorizer.claims) ?? record(authorizer.lambda) ?? authorizer;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
