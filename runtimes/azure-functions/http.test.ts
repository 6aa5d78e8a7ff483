import { HttpRequest, HttpResponse, type HttpResponseInit, InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { createBankTestEngine } from "../../test/parity/engine.js";
import { commandRequest } from "../../test/support/requests.js";
import { createAzureHttpHandler } from "./index.js";

const context = () => new InvocationContext({ invocationId: "test", functionName: "edd-http", logHandler: () => {} });

async function read(init: HttpResponseInit) {
  const response = new HttpResponse(init);
  return { status: response.status, type: response.headers.get("content-type"), body: await response.json() };
}

describe("Azure Functions HTTP trigger", () => {
  it("serves the edd app below the Functions route prefix, with the request's headers and body", async () => {
    const http = createAzureHttpHandler(createBankTestEngine().engine);
    const open = commandRequest({ command: "OpenAccount", aggregateId: "acc-1", attributes: { owner: "ada@example.com" } });
    const request = new HttpRequest({
      method: "POST",
      url: "http://localhost:7071/api/command",
      // What the host sets for route "{*path}".
      params: { path: "command" },
      headers: { "Content-Type": "application/json" },
      body: { string: JSON.stringify(open) },
    });
    const response = await read(await http(request, context()));
    expect([response.status, response.type]).toEqual([200, "application/json"]);
    expect(response.body).toMatchObject({ requestId: open.requestId, result: { identities: ["ada@example.com"] } });
  });

  it("answers the app's own errors with their status", async () => {
    const http = createAzureHttpHandler(createBankTestEngine().engine);
    const malformed = new HttpRequest({
      method: "POST",
      url: "http://localhost/api/command",
      params: { path: "command" },
      body: { string: "{" },
    });
    expect(await read(await http(malformed, context()))).toMatchObject({ status: 400, body: { error: { code: "malformed-json" } } });
    const missing = new HttpRequest({ method: "GET", url: "http://localhost/api/nowhere", params: { path: "nowhere" } });
    expect(await read(await http(missing, context()))).toMatchObject({ status: 404, body: { error: { code: "not-found" } } });
  });
});
