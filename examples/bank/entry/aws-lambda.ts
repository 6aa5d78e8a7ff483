// AWS Lambda entry: API Gateway (REST or HTTP API), Function URL and SQS events share one handler.
import { createLambdaHandler } from "../../../runtimes/aws-lambda/index.js";
import { createBankEngine } from "./engine.js";

export const handler = createLambdaHandler(createBankEngine);
