// Google Cloud Run entry: listens on $PORT; Pub/Sub push and Eventarc deliver queued commands.
// Pushes must authenticate (EDD_PUSH_AUDIENCE + EDD_PUSH_SERVICE_ACCOUNT, or EDD_PUSH_TOKEN); see docs/deploy.md.
import { jsonLogger } from "edd";
import { pushAuthFromEnv, serveCloudRun } from "edd/cloud-run";
import { stopOnSignals } from "edd/node";
import { createBankEngine } from "./engine.js";

const logger = jsonLogger();
const server = await serveCloudRun(createBankEngine, pushAuthFromEnv(process.env));
stopOnSignals(server, logger);
logger.info("bank listening", { url: server.url, runtime: "cloud-run" });
