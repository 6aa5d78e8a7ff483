// AWS Lambda entry: API Gateway (REST or HTTP API), Function URL and SQS events share one handler.
import { createLambdaHandler } from "edd/aws-lambda";
import { createBankEngine } from "./engine.js";

export const handler = createLambdaHandler(createBankEngine);
