// Google Cloud Run entry: listens on $PORT; Pub/Sub push and Eventarc deliver queued commands.
import { jsonLogger } from "../../../core/index.js";
import { serveCloudRun } from "../../../runtimes/cloud-run/index.js";
import { stopOnSignals } from "../../../runtimes/node/index.js";
import { createBankEngine } from "./engine.js";

const logger = jsonLogger();
const pushToken = process.env.EDD_PUSH_TOKEN;
const server = await serveCloudRun(createBankEngine, pushToken === undefined || pushToken === "" ? {} : { pushToken });
stopOnSignals(server, logger);
logger.info("bank listening", { url: server.url, runtime: "cloud-run" });
