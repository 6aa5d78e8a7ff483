export { serviceBusIdentifierFor, ServiceBusTransport, type ServiceBusTransportOptions } from "./transport.js";
