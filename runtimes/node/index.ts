export { serveNode, stopOnSignals, type NodeServer, type NodeServerOptions } from "./serve.js";
export { startRelayWorker, type RelayWorker, type RelayWorkerOptions } from "./worker.js";
export { startQueueWorker, type NodeQueueWorker, type NodeQueueWorkerOptions } from "./queue-worker.js";
export { serveSettingsFromEnv, type ServeSettings } from "./serve-settings.js";
export { realmsFromEnv, startProjections, type ProjectionsOptions } from "./projections.js";
// sql-stores.ts is imported directly where needed: it pulls in PGlite and pg, which bundles must not carry.
