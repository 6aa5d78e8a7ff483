export { ensureQueueTable } from "./schema.js";
export { PostgresQueueTransport, type PostgresQueueOptions } from "./transport.js";
