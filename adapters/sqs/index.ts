export { sqsIdentifierFor } from "./identifiers.js";
export { ensureFifoQueues, type FifoQueuePair, type FifoQueueSettings } from "./setup.js";
export { SqsTransport, type SqsTransportOptions } from "./transport.js";
