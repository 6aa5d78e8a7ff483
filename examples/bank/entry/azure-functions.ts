// Azure Functions entry (v4 model): package.json "main" points at the bundle of this file.
import { app } from "@azure/functions";
import { registerEdd } from "edd/azure-functions";
import { createBankEngine } from "./engine.js";

const queueName = process.env.EDD_COMMAND_QUEUE;

/** Exported so tests (and smoke checks) can call the registered handlers directly. */
export const handlers = registerEdd(app, {
  engine: createBankEngine,
  // `connection` names the app setting holding the Service Bus connection (EDD_SERVICE_BUS__fullyQualifiedNamespace for a managed identity).
  ...(queueName === undefined || queueName === "" ? {} : { serviceBusQueue: { queueName, connection: "EDD_SERVICE_BUS" } }),
});
