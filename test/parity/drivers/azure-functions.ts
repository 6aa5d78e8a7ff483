import { HttpRequest, HttpResponse, InvocationContext } from "@azure/functions";
import type { Engine } from "../../../core/index.js";
import { registerEdd } from "../../../runtimes/azure-functions/index.js";
import type { HttpCall, RuntimeDriver } from "../scenario.js";

/**
 * Azure Functions as the host calls them: an `HttpRequest` on the catch-all route below "/api", and
 * Service Bus messages with the host's trigger metadata. JSON message bodies arrive parsed, as the host delivers them.
 */
export function azureFunctionsDriver(engine: Engine): RuntimeDriver {
  // Registration needs the Functions host; the handlers it returns are what the host would call.
  const { http, serviceBus } = registerEdd(
    { http: () => {}, serviceBusQueue: () => {} },
    { engine, serviceBusQueue: { queueName: "edd-commands", connection: "EDD_SERVICE_BUS" } },
  );
  const context = (triggerMetadata?: Record<string, unknown>) =>
    new InvocationContext({
      invocationId: "parity",
      functionName: "edd",
      logHandler: () => {},
      ...(triggerMetadata ? { triggerMetadata } : {}),
    });
  return {
    async http(call: HttpCall) {
      const url = new URL(`http://localhost:7071/api${call.path}`);
      const request = new HttpRequest({
        method: call.method,
        url: url.href,
        params: { path: url.pathname.slice("/api/".length) },
        ...(call.headers ? { headers: call.headers } : {}),
        ...(call.body === undefined ? {} : { body: { string: call.body } }),
      });
      const response = new HttpResponse(await http(request, context()));
      const text = await response.text();
      return { status: response.status, contentType: response.headers.get("content-type"), body: text === "" ? null : JSON.parse(text) };
    },
    async enqueue(message) {
      const metadata = {
        messageId: message.messageId,
        sessionId: message.aggregateId,
        deliveryCount: 1,
        applicationProperties: { "edd-realm": message.realm },
      };
      try {
        await serviceBus?.(parsedIfJson(message.body), context(metadata));
        return "acknowledged";
      } catch {
        return "redelivered";
      }
    },
    close: () => engine.store.close(),
  };
}

function parsedIfJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
