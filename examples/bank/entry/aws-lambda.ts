// AWS Lambda entry. `handler` takes every event by its shape: API Gateway (REST or HTTP API), Function
// URL, ALB, SQS, S3 ObjectCreated under commands/<realm>/, and schedules ({"edd": "sweep"|"project"}).
// `sweep` and `project` are the same entries for functions that only an EventBridge schedule invokes.
// Refuses to start without an authenticator (EDD_JWT_*, EDD_PLATFORM_CLAIMS=1, or EDD_ANONYMOUS=local).
import { createLambdaHandlers } from "edd/aws-lambda";
import { bankServerlessOptions } from "./serverless.js";

const { engine, ...options } = bankServerlessOptions();

export const { handler, sweep, project } = createLambdaHandlers(engine, options);

// One export per entry, the names the deploy files use (examples/bank/deploy/names.ts): each function
// gets only its own events, and `handler` tells them apart by shape, so the three are the same handler.
export const http = handler;
export const queue = handler;
export const objects = handler;
