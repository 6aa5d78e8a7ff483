export { createLambdaHandler, type LambdaHandler, type LambdaHandlerOptions, type LambdaResult } from "./handler.js";
export type { ApiGatewayV1Event, ApiGatewayV1Result } from "./http-v1.js";
export type { ApiGatewayV2Event, ApiGatewayV2Result } from "./http-v2.js";
export type { SqsBatchResponse, SqsEvent, SqsRecord } from "./sqs.js";
export type { EngineSource } from "../shared/engine-source.js";
