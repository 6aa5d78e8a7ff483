import type {
  HttpFunctionOptions,
  HttpHandler,
  ServiceBusQueueFunctionOptions,
  ServiceBusQueueHandler,
  StorageBlobFunctionOptions,
  StorageBlobHandler,
  TimerFunctionOptions,
  TimerHandler,
} from "@azure/functions";
import { defaultCommandsPrefix } from "../../core/pipeline/effects/uploaded-commands.js";
import { type EngineSource, lazyEdd, type ServerlessOptions } from "../shared/engine-source.js";
import { httpHandler } from "./http.js";
import { blobUploadHandler, timerHandler } from "./scheduled.js";
import { serviceBusHandler } from "./service-bus.js";

/** The part of `@azure/functions`' `app` that edd registers with (a fake in tests). */
export interface AzureFunctionsApp {
  http(name: string, options: HttpFunctionOptions): void;
  serviceBusQueue(name: string, options: ServiceBusQueueFunctionOptions): void;
  timer?(name: string, options: TimerFunctionOptions): void;
  storageBlob?(name: string, options: StorageBlobFunctionOptions): void;
}

export interface EddAzureOptions extends ServerlessOptions {
  readonly engine: EngineSource;
  /** Consume command requests from this session-enabled queue; `connection` names the app setting. */
  readonly serviceBusQueue?: { readonly queueName: string; readonly connection: string };
  /** NCRONTAB schedules (`{second} {minute} {hour} {day} {month} {day-of-week}`) of the sweep and projection timers. */
  readonly timers?: { readonly sweep?: string; readonly project?: string; readonly budgetMs?: number };
  /** Commands from blobs uploaded to `<container>/<uploads.prefix><realm>/…`; `connection` names the storage app setting. */
  readonly blobUploads?: { readonly container: string; readonly connection: string };
  /** Function names, if a deployment names them otherwise than `azureFunctionNames`. */
  readonly functionNames?: Partial<Record<keyof typeof azureFunctionNames, string>>;
}

export interface EddAzureHandlers {
  readonly http: HttpHandler;
  readonly serviceBus?: ServiceBusQueueHandler;
  readonly sweep?: TimerHandler;
  readonly project?: TimerHandler;
  readonly uploads?: StorageBlobHandler;
}

/** The function names edd registers, for host.json, deploy files and the portal. */
export const azureFunctionNames = {
  http: "edd-http",
  serviceBus: "edd-commands",
  sweep: "edd-sweep",
  project: "edd-project",
  uploads: "edd-uploads",
} as const;

/**
 * Registers edd's functions, all on one engine: "edd-http" (GET and POST on every path, auth left
 * to edd's authenticator) and, when configured, "edd-commands" (Service Bus), "edd-sweep" and
 * "edd-project" (timers) and "edd-uploads" (Blob trigger).
 */
export function registerEdd(app: AzureFunctionsApp, options: EddAzureOptions): EddAzureHandlers {
  const edd = lazyEdd(options.engine, options);
  const names = { ...azureFunctionNames, ...options.functionNames };
  const http = httpHandler(edd);
  app.http(names.http, { methods: ["GET", "POST"], authLevel: "anonymous", route: "{*path}", handler: http });
  const handlers: { -readonly [K in keyof EddAzureHandlers]: EddAzureHandlers[K] } = { http };
  const queue = options.serviceBusQueue;
  if (queue !== undefined) {
    handlers.serviceBus = serviceBusHandler(edd, queue.queueName);
    // Sessions: the sender sets SessionId = aggregate id, so one aggregate's commands run in order.
    app.serviceBusQueue(names.serviceBus, {
      ...queue,
      isSessionsEnabled: true,
      cardinality: "one",
      handler: handlers.serviceBus,
    });
  }
  for (const task of ["sweep", "project"] as const) {
    const schedule = options.timers?.[task];
    if (schedule === undefined) continue;
    const handler = timerHandler(edd, task, options.timers?.budgetMs);
    handlers[task] = handler;
    required(app.timer, "timer").call(app, names[task], { schedule, handler });
  }
  if (options.blobUploads !== undefined) {
    const { container, connection } = options.blobUploads;
    handlers.uploads = blobUploadHandler(edd);
    const path = `${container}/${options.uploads?.prefix ?? defaultCommandsPrefix}{name}`;
    required(app.storageBlob, "storageBlob").call(app, names.uploads, { path, connection, handler: handlers.uploads });
  }
  return handlers;
}

function required<T>(method: T | undefined, name: string): T {
  if (method === undefined) throw new Error(`registerEdd: the app has no ${name}(); pass @azure/functions' app.`);
  return method;
}
