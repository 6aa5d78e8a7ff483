import type { ProjectionStepReport } from "../../core/pipeline/projections/projection-step.js";
import type { UploadReport } from "../../core/pipeline/effects/uploaded-commands.js";
import { type EngineSource, type LazyEdd, lazyEdd, type ServerlessOptions } from "../shared/engine-source.js";
import { budgetFrom, projectionEntry, sweepEntry } from "../shared/entries.js";
import type { SweepReport } from "../shared/sweep.js";
import { type AlbResult, isAlbEvent, isMultiValueAlb, requestFromAlb, resultForAlb } from "./http-alb.js";
import { type ApiGatewayV1Result, isApiGatewayV1Event, requestFromV1, resultForV1 } from "./http-v1.js";
import { directCommand } from "./direct-command.js";
import { type ApiGatewayV2Result, isApiGatewayV2Event, requestFromV2, resultForV2 } from "./http-v2.js";
import { handleS3Event, isS3Event } from "./s3.js";
import { type LambdaContext, type ScheduledTask, scheduledTask } from "./schedule.js";
import { handleSqsBatch, isSqsEvent, type SqsBatchResponse } from "./sqs.js";

export type LambdaResult =
  | ApiGatewayV1Result
  | ApiGatewayV2Result
  | AlbResult
  | SqsBatchResponse
  | SweepReport
  | ProjectionStepReport
  | UploadReport[];

export type LambdaHandlerOptions = ServerlessOptions;

/** A Lambda handler: `(event, context) => result`; the context gives scheduled entries their time budget. */
export type LambdaHandler = (event: unknown, context?: Partial<LambdaContext>) => Promise<LambdaResult>;

/** The entries of one deployment, sharing one engine: export each under the name the function configuration uses. */
export interface LambdaHandlers {
  /** Everything, told apart by the event's shape: HTTP (API Gateway, Function URL, ALB), SQS, S3 uploads, schedules. */
  readonly handler: LambdaHandler;
  /** The outbox sweep, whatever the event (an EventBridge schedule). */
  readonly sweep: LambdaHandler;
  /** The projection step, whatever the event (an EventBridge schedule). */
  readonly project: LambdaHandler;
}

/**
 * One handler for every event edd accepts on Lambda (see `createLambdaHandlers`).
 * The engine is built on the first invocation, not at module load.
 */
export function createLambdaHandler(source: EngineSource, options: LambdaHandlerOptions = {}): LambdaHandler {
  return createLambdaHandlers(source, options).handler;
}

export function createLambdaHandlers(source: EngineSource, options: LambdaHandlerOptions = {}): LambdaHandlers {
  const edd = lazyEdd(source, { verifiedClaims: authorizerClaims, ...options });
  const scheduled = (task: ScheduledTask): LambdaHandler => {
    return async (_event, context) => {
      // Start no new round once the invocation is nearly out of time; the next schedule goes on from there.
      const budgetMs = budgetFrom(context?.getRemainingTimeInMillis?.());
      return task === "sweep" ? sweepEntry(edd, budgetMs) : projectionEntry(edd, budgetMs);
    };
  };
  const sweep = scheduled("sweep");
  const project = scheduled("project");
  const handler: LambdaHandler = async (event, context) => {
    const task = scheduledTask(event);
    if (task !== undefined) return (task === "sweep" ? sweep : project)(event, context);
    if (isSqsEvent(event)) return handleSqsBatch(edd, event);
    if (isS3Event(event)) return handleS3Event(edd, event);
    if (isAlbEvent(event)) return serveHttp(edd, event, requestFromAlb(event), (r) => resultForAlb(r, isMultiValueAlb(event)));
    if (isApiGatewayV2Event(event)) {
      // A claims source of the caller's own may read the hono context: only ours lets a command skip the HTTP app.
      const direct = edd.options.verifiedClaims === authorizerClaims ? await directCommand(edd, event) : undefined;
      return direct ?? serveHttp(edd, event, requestFromV2(event), resultForV2);
    }
    if (isApiGatewayV1Event(event)) return serveHttp(edd, event, requestFromV1(event), resultForV1);
    throw new Error(
      `edd: unrecognised Lambda event ${describe(event)}. Expected an SQS batch, an S3 notification, an API Gateway REST (1.0) or ` +
        'HTTP API (2.0) request, a Function URL request, an ALB target-group request, or a schedule ({"edd": "sweep"} or {"edd": "project"}).',
    );
  };
  return { handler, sweep, project };
}

async function serveHttp<T>(edd: LazyEdd, event: unknown, request: Request, toResult: (response: Response) => Promise<T>): Promise<T> {
  // The event rides along as the app's environment, so the authorizer's claims can be read.
  const response = await (await edd.httpApp()).fetch(request, { event });
  // Lambda freezes the instance once the handler returns: effects are delivered now or not until the next event.
  await edd.deliverEffects();
  return toResult(response);
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
