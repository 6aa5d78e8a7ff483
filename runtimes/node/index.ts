export { serveNode, stopOnSignals, type NodeServer, type NodeServerOptions } from "./serve.js";
export { startRelayWorker, type RelayWorker, type RelayWorkerOptions } from "./worker.js";
export { startQueueWorker, type NodeQueueWorker, type NodeQueueWorkerOptions } from "./queue-worker.js";
