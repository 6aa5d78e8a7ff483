export { MemoryStore } from "./store.js";
export { memoryAuditReader } from "./audit.js";
