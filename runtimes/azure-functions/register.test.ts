import { HttpRequest, HttpResponse, InvocationContext } from "@azure/functions";
import { describe, expect, it, vi } from "vitest";
import type { Engine } from "../../core/index.js";
import { createBankTestEngine } from "../../test/parity/engine.js";
import { commandRequest } from "../../test/support/requests.js";
import { type AzureFunctionsApp, registerEdd } from "./index.js";

/** A recording stand-in for `@azure/functions`' app: outside the Functions host the real one registers nothing. */
function fakeApp() {
  const registered: Record<string, unknown> = {};
  const app: AzureFunctionsApp = {
    http(name, options) {
      registered[name] = options;
    },
    serviceBusQueue(name, options) {
      registered[name] = options;
    },
  };
  return { app, registered };
}

const context = (triggerMetadata?: Record<string, unknown>) =>
  new InvocationContext({ logHandler: () => {}, ...(triggerMetadata === undefined ? {} : { triggerMetadata }) });

describe("registerEdd", () => {
  it("registers a catch-all GET/POST HTTP trigger and no queue trigger unless asked", () => {
    const { app, registered } = fakeApp();
    const handlers = registerEdd(app, { engine: createBankTestEngine().engine });
    expect(Object.keys(registered)).toEqual(["edd-http"]);
    expect(registered["edd-http"]).toMatchObject({
      methods: ["GET", "POST"],
      route: "{*path}",
      authLevel: "anonymous",
      handler: handlers.http,
    });
    expect(handlers.serviceBus).toBeUndefined();
  });

  it("registers a session-enabled Service Bus trigger that shares the HTTP trigger's engine", async () => {
    const { app, registered } = fakeApp();
    const factory = vi.fn(async (): Promise<Engine> => createBankTestEngine().engine);
    const { http, serviceBus } = registerEdd(app, {
      engine: factory,
      serviceBusQueue: { queueName: "edd-commands", connection: "EDD_SERVICE_BUS" },
    });
    expect(factory).not.toHaveBeenCalled();
    expect(registered["edd-commands"]).toMatchObject({ queueName: "edd-commands", connection: "EDD_SERVICE_BUS", isSessionsEnabled: true });

    const open = commandRequest({ command: "OpenAccount", aggregateId: "acc-1", attributes: { owner: "ada@example.com" } });
    await serviceBus?.(open, context({ deliveryCount: 1 }));
    const query = JSON.stringify({ query: { query: "GetAccount", attributes: { id: "acc-1" } } });
    const request = new HttpRequest({
      method: "POST",
      url: "http://localhost/api/query",
      params: { path: "query" },
      body: { string: query },
    });
    const response = new HttpResponse(await http(request, context()));
    expect(await response.json()).toMatchObject({ result: { id: "acc-1", status: "open" } });
    expect(factory).toHaveBeenCalledTimes(1);
  });
});
