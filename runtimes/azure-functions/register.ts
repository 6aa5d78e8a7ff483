import type { HttpFunctionOptions, HttpHandler, ServiceBusQueueFunctionOptions, ServiceBusQueueHandler } from "@azure/functions";
import { type EngineSource, lazyEdd, type ServerlessOptions } from "../shared/engine-source.js";
import { httpHandler } from "./http.js";
import { serviceBusHandler } from "./service-bus.js";

/** The part of `@azure/functions`' `app` that edd registers with (a fake in tests). */
export interface AzureFunctionsApp {
  http(name: string, options: HttpFunctionOptions): void;
  serviceBusQueue(name: string, options: ServiceBusQueueFunctionOptions): void;
}

export interface EddAzureOptions extends ServerlessOptions {
  readonly engine: EngineSource;
  /** Consume command requests from this session-enabled queue; `connection` names the app setting. */
  readonly serviceBusQueue?: { readonly queueName: string; readonly connection: string };
}

export interface EddAzureHandlers {
  readonly http: HttpHandler;
  readonly serviceBus?: ServiceBusQueueHandler;
}

/**
 * Registers edd's functions: "edd-http" (GET and POST on every path, auth left to edd's
 * authenticator) and, if configured, "edd-commands" on a Service Bus queue. Both share one engine.
 */
export function registerEdd(app: AzureFunctionsApp, options: EddAzureOptions): EddAzureHandlers {
  const edd = lazyEdd(options.engine, options);
  const http = httpHandler(edd);
  app.http("edd-http", { methods: ["GET", "POST"], authLevel: "anonymous", route: "{*path}", handler: http });
  const queue = options.serviceBusQueue;
  if (queue === undefined) return { http };
  const serviceBus = serviceBusHandler(edd, queue.queueName);
  // Sessions: the sender sets SessionId = aggregate id, so one aggregate's commands run in order.
  app.serviceBusQueue("edd-commands", { ...queue, isSessionsEnabled: true, cardinality: "one", handler: serviceBus });
  return { http, serviceBus };
}
