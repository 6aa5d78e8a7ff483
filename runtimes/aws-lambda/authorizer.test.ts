import { describe, expect, it } from "vitest";
import { platformClaimsAuthenticator } from "../../adapters/jwt/index.js";
import { MemoryStore } from "../../adapters/memory/index.js";
import { createEngine } from "../../core/index.js";
import { bankServices } from "../../examples/bank/services.js";
import { apiGatewayV1Event, httpApiV2Event } from "../../test/parity/fixtures/aws.js";
import { commandRequest } from "../../test/support/requests.js";
import { type ApiGatewayV1Result, type ApiGatewayV2Result, createLambdaHandler } from "./index.js";

const open = JSON.stringify(commandRequest({ command: "OpenAccount", aggregateId: "acc-1", attributes: { owner: "ada@example.com" } }));

function setup() {
  const store = new MemoryStore();
  const engine = createEngine({ services: bankServices, store, authenticator: platformClaimsAuthenticator() });
  const accountIn = async (realm: string) => (await store.loadSnapshot({ realm, service: "accounts", aggregateId: "acc-1" }))?.version;
  return { handler: createLambdaHandler(engine), accountIn };
}

describe("Lambda behind an API Gateway authorizer", () => {
  it("runs an HTTP API request in the realm of its JWT authorizer's verified claims", async () => {
    const { handler, accountIn } = setup();
    const event = httpApiV2Event({ method: "POST", path: "/command", body: open });
    const withClaims = {
      ...event,
      requestContext: { ...event.requestContext, authorizer: { jwt: { claims: { sub: "ada", realm: "acme" } } } },
    };
    const result = (await handler(withClaims)) as ApiGatewayV2Result;
    expect(result.statusCode).toBe(200);
    expect(await accountIn("acme")).toBe(1);
    expect(await accountIn("default")).toBeUndefined();
  });

  it("reads a REST Cognito authorizer's claims, and refuses a request that carries none", async () => {
    const { handler, accountIn } = setup();
    const event = apiGatewayV1Event({ method: "POST", path: "/command", body: open });
    const withClaims = { ...event, requestContext: { ...event.requestContext, authorizer: { claims: { sub: "bo", realm: "globex" } } } };
    expect(((await handler(withClaims)) as ApiGatewayV1Result).statusCode).toBe(200);
    expect(await accountIn("globex")).toBe(1);
    // A header cannot stand in for the authorizer: without verified claims the request is refused.
    const spoofed = apiGatewayV1Event({ method: "POST", path: "/command", body: open, headers: { "x-realm": "globex" } });
    const refused = (await handler(spoofed)) as ApiGatewayV1Result;
    expect(refused.statusCode).toBe(401);
  });
});
