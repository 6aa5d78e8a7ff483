export {
  createLambdaHandler,
  createLambdaHandlers,
  type LambdaHandler,
  type LambdaHandlerOptions,
  type LambdaHandlers,
  type LambdaResult,
} from "./handler.js";
export type { ApiGatewayV1Event, ApiGatewayV1Result } from "./http-v1.js";
export type { ApiGatewayV2Event, ApiGatewayV2Result } from "./http-v2.js";
export type { AlbEvent, AlbResult } from "./http-alb.js";
export type { SqsBatchResponse, SqsEvent, SqsRecord } from "./sqs.js";
export type { S3Event, S3EventRecord } from "./s3.js";
export type { LambdaContext, ScheduledTask } from "./schedule.js";
export type { EngineSource, ProjectionSource, ServerlessOptions, UploadOptions } from "../shared/engine-source.js";
