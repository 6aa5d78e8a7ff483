// Google Cloud Run entry: listens on $PORT. Pub/Sub push (/_edd/pubsub), Eventarc (/ and /_edd/events:
// Pub/Sub messages and Cloud Storage uploads) and Cloud Scheduler (/_edd/sweep, /_edd/project) each
// authenticate with their own OIDC audience: EDD_PUSH_*, EDD_EVENTARC_*, EDD_SCHEDULER_* (docs/runtimes.md).
// Refuses to start without an API authenticator (EDD_JWT_*, EDD_PLATFORM_CLAIMS=1, or EDD_ANONYMOUS=local).
import { jsonLogger } from "edd";
import { pushAuthFromEnv, serveCloudRun } from "edd/cloud-run";
import { stopOnSignals } from "edd/node";
import { bankServerlessOptions } from "./serverless.js";

const logger = jsonLogger();
const { engine, ...options } = bankServerlessOptions();
const server = await serveCloudRun(engine, { ...options, ...pushAuthFromEnv(process.env) });
stopOnSignals(server, logger);
logger.info("bank listening", { url: server.url, runtime: "cloud-run" });
