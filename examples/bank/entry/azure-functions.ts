// Azure Functions entry (v4 model): package.json "main" points at the bundle of this file.
// Registers edd-http, edd-sweep and edd-project (timers), and with their settings edd-commands (Service Bus)
// and edd-uploads (Blob trigger). Refuses to start without an authenticator (EDD_JWT_*, EDD_PLATFORM_CLAIMS=1,
// or EDD_ANONYMOUS=local).
import { app } from "@azure/functions";
import { registerEdd } from "edd/azure-functions";
import { azureFunctions } from "../deploy/names.js";
import { bankServerlessOptions } from "./serverless.js";

const queueName = process.env.EDD_COMMAND_QUEUE;
const uploadsContainer = process.env.EDD_UPLOADS_CONTAINER;

/** Exported so tests (and smoke checks) can call the registered handlers directly. */
export const handlers = registerEdd(app, {
  ...bankServerlessOptions(),
  // The names the deploy files use (examples/bank/deploy/names.ts).
  functionNames: {
    http: azureFunctions.http,
    serviceBus: azureFunctions.queue,
    sweep: azureFunctions.sweep,
    project: azureFunctions.project,
    uploads: azureFunctions.objects,
  },
  // `connection` names the app setting holding the Service Bus connection (EDD_SERVICE_BUS__fullyQualifiedNamespace for a managed identity).
  ...(queueName === undefined || queueName === "" ? {} : { serviceBusQueue: { queueName, connection: "EDD_SERVICE_BUS" } }),
  // NCRONTAB, six fields: every minute for the sweep, every 30 seconds for the views.
  timers: { sweep: process.env.EDD_SWEEP_SCHEDULE || "0 */1 * * * *", project: process.env.EDD_PROJECT_SCHEDULE || "*/30 * * * * *" },
  // The Blob trigger hands over the content; EDD_UPLOADS_STORAGE names the app setting with the storage connection.
  ...(uploadsContainer === undefined || uploadsContainer === ""
    ? {}
    : { blobUploads: { container: uploadsContainer, connection: "EDD_UPLOADS_STORAGE" } }),
});
