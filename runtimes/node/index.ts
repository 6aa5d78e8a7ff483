export { serveNode, stopOnSignals, type NodeServer, type NodeServerOptions } from "./serve.js";
export { startRelayWorker, type RelayWorker } from "./worker.js";
