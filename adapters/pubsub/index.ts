export { ensurePubSubTopology, type PubSubTopology, type PubSubTopologySettings } from "./setup.js";
export { deduplicationAttribute, PubSubTransport, type PubSubTransportOptions } from "./transport.js";
