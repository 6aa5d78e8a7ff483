// AWS Lambda entry. `handler` takes every event by its shape: API Gateway (REST or HTTP API), Function
// URL, ALB, SQS, S3 ObjectCreated under commands/<realm>/, and schedules ({"edd": "sweep"|"project"}).
// `sweep` and `project` are the same entries for functions that only an EventBridge schedule invokes.
// Refuses to start without an authenticator (EDD_JWT_*, EDD_PLATFORM_CLAIMS=1, or EDD_ANONYMOUS=local).
import { createLambdaHandlers } from "edd/aws-lambda";
import { bankServerlessOptions } from "./serverless.js";

const { engine, ...options } = bankServerlessOptions();

export const { handler, sweep, project } = createLambdaHandlers(engine, options);
