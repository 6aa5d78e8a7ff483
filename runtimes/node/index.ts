export { serveNode, stopOnSignals, type NodeServer, type NodeServerOptions } from "./serve.js";
export { startRelayWorker, type RelayWorker, type RelayWorkerOptions } from "./worker.js";
export { startQueueWorker, type NodeQueueWorker, type NodeQueueWorkerOptions } from "./queue-worker.js";
export { serveSettingsFromEnv, type ProcessRole, type ServeSettings } from "./serve-settings.js";
export { realmsFromEnv, startProjections, type ProjectionsOptions } from "./projections.js";
export { openBackendFromEnv, openStoresFromEnv } from "./stores.js";
export { migrateOrClose, type Backend } from "../../core/ports/backend.js";
