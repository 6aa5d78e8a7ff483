export { PostgresQueueTransport, type PostgresQueueOptions } from "./transport.js";
