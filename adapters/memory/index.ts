// `edd/memory`: everything in process memory, for tests, examples and single-process demos.
export { MemoryStore } from "./store.js";
export { memoryBackend } from "./backend.js";
export { memoryAuditReader } from "./audit.js";
export { memoryImporter } from "./importer.js";
export { MemoryViewStore } from "./view-store.js";
export { MemoryCheckpointStore } from "./checkpoints.js";
export { MemoryTransport, type MemoryTransportOptions } from "./transport.js";
export { MemoryKeyStore } from "./key-store.js";
