import { describe, expect, it } from "vitest";
import type { AuthInput, Engine } from "../../core/index.js";
import { createBankTestEngine } from "../../test/parity/engine.js";
import { functionUrlEvent, httpApiV2Event } from "../../test/parity/fixtures/aws.js";
import { type LazyEdd, lazyEdd, type ServerlessOptions } from "../shared/engine-source.js";
import { directCommand } from "./direct-command.js";
import { authorizerClaims } from "./handler.js";
import type { ApiGatewayV2Event } from "./http-v2.js";
import { createLambdaHandlers } from "./index.js";

const requestId = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
const interactionId = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d";
const open = (aggregateId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    requestId,
    interactionId,
    commands: [{ command: "OpenAccount", aggregateId, attributes: { owner: "ada@example.com" } }],
    ...extra,
  });

/** An authenticator that takes the platform's claims, or refuses without them. */
async function claimsAuthenticator(input: AuthInput) {
  const sub = input.verifiedClaims?.sub;
  if (typeof sub !== "string") return { ok: false as const, code: "unauthenticated" as const, message: "No verified claims." };
  return { ok: true as const, principal: { id: sub, realm: "default", roles: [] } };
}

const withClaims = (event: ApiGatewayV2Event, claims: Record<string, unknown>): ApiGatewayV2Event =>
  ({ ...event, requestContext: { ...event.requestContext, authorizer: { jwt: { claims } } } }) as ApiGatewayV2Event;

const v2 = (
  body: string | undefined,
  more: { path?: string; headers?: Record<string, string>; base64?: boolean; method?: "GET" | "POST" } = {},
) =>
  httpApiV2Event({
    method: more.method ?? "POST",
    path: more.path ?? "/command",
    ...(body === undefined ? {} : { body }),
    ...(more.headers === undefined ? {} : { headers: more.headers }),
    ...(more.base64 === undefined ? {} : { base64: more.base64 }),
  });

interface Case {
  readonly name: string;
  /** Events sent in order to one instance; the last one's answer is compared. */
  readonly events: readonly ApiGatewayV2Event[];
  /** Whether the last event is answered without the HTTP app. */
  readonly direct: boolean;
  readonly authenticator?: Engine["authenticate"];
  readonly options?: ServerlessOptions;
}

const staged = { ...v2(open("acc-1"), { path: "/prod/command" }) };
const cases: Case[] = [
  { name: "a command", events: [v2(open("acc-1"))], direct: true },
  { name: "the same request again (idempotent replay)", events: [v2(open("acc-1")), v2(open("acc-1"))], direct: true },
  {
    name: "a refused command (the account exists)",
    events: [v2(open("acc-1")), v2(open("acc-1").replace(requestId, interactionId))],
    direct: true,
  },
  { name: "a base64 body starting with a byte-order mark", events: [v2(`\uFEFF${open("acc-1")}`, { base64: true })], direct: true },
  {
    name: "a Function URL request to /commands",
    events: [functionUrlEvent({ method: "POST", path: "/commands", body: open("acc-1") })],
    direct: true,
  },
  {
    name: "a named stage in the path",
    events: [{ ...staged, requestContext: { ...staged.requestContext, stage: "prod" } }],
    direct: true,
  },
  { name: "an envelope zod refuses (paths and messages)", events: [v2(JSON.stringify({ requestId: "nope", commands: [] }))], direct: true },
  { name: "attributes the command's schema refuses", events: [v2(open("acc-1").replace("ada@example.com", "not-an-email"))], direct: true },
  { name: "fields only effects may set", events: [v2(open("acc-1", { breadcrumbs: [0] }))], direct: true },
  {
    name: "a traceparent",
    events: [v2(open("acc-1"), { headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" } })],
    direct: true,
  },
  {
    name: "claims from an API Gateway JWT authorizer",
    events: [withClaims(v2(open("acc-1")), { sub: "user-7" })],
    direct: true,
    authenticator: claimsAuthenticator,
  },
  { name: "a failed authentication", events: [v2(open("acc-1"))], direct: false, authenticator: claimsAuthenticator },
  {
    name: "an authenticator that throws",
    events: [v2(open("acc-1"))],
    direct: false,
    authenticator: async () => {
      throw new Error("identity provider unreachable");
    },
  },
  { name: "malformed JSON", events: [v2("{not json")], direct: false },
  { name: "a body over the limit", events: [v2(open("acc-1"))], direct: false, options: { maxBodyBytes: 64 } },
  { name: "a page from another origin", events: [v2(open("acc-1"), { headers: { origin: "https://evil.example" } })], direct: false },
  {
    name: "a cross-site request without Origin",
    events: [v2(open("acc-1"), { headers: { "sec-fetch-site": "cross-site" } })],
    direct: false,
  },
  {
    name: "CORS configured",
    events: [v2(open("acc-1"))],
    direct: false,
    options: { cors: { origins: ["https://app.example.com"] } },
  },
  { name: "GET /command", events: [v2(undefined, { method: "GET" })], direct: false },
  { name: "a trailing slash", events: [v2(open("acc-1"), { path: "/command/" })], direct: false },
  {
    name: "POST /query",
    events: [v2(JSON.stringify({ query: { query: "GetAccount", attributes: { id: "acc-1" } } }), { path: "/query" })],
    direct: false,
  },
];

function instance(testCase: Case, viaApp: boolean) {
  const base = createBankTestEngine().engine;
  const engine: Engine = testCase.authenticator === undefined ? base : { ...base, authenticate: testCase.authenticator };
  // A claims source of the caller's own sends every event through the HTTP app.
  const verifiedClaims = viaApp ? (c: { env: unknown }) => authorizerClaims(c) : authorizerClaims;
  const options: ServerlessOptions = { ...testCase.options, verifiedClaims, relay: false };
  return { handler: createLambdaHandlers(engine, options).handler, edd: lazyEdd(engine, options) };
}

/** The last event's answer, its body parsed; refusals at the HTTP edge carry a random invocation id, which is set aside. */
async function lastAnswer(handler: (event: unknown) => Promise<unknown>, events: readonly ApiGatewayV2Event[]) {
  let answer: unknown;
  for (const event of events) answer = await handler(event);
  const { body, ...rest } = answer as { body: string };
  const { invocationId } = JSON.parse(body) as { invocationId?: unknown };
  return { ...rest, body: JSON.parse(typeof invocationId === "string" ? body.replaceAll(invocationId, "<invocation id>") : body) };
}

describe("Lambda commands answered without the fetch API", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s: the same answer as the HTTP app's", async (_name, testCase) => {
    const direct = instance(testCase, false);
    const viaApp = instance(testCase, true);
    const answer = await lastAnswer(direct.handler, testCase.events);
    expect(answer).toEqual(await lastAnswer(viaApp.handler, testCase.events));
    expect(answer).toMatchObject({ isBase64Encoded: false, headers: { "content-type": "application/json" } });
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    "%s: taken directly only when the app would accept it as it is",
    async (_name, testCase) => {
      const { edd } = instance(testCase, false);
      const earlier = testCase.events.slice(0, -1);
      const direct: LazyEdd = edd;
      for (const event of earlier) await directCommand(direct, event);
      const answer = await directCommand(direct, testCase.events.at(-1) as ApiGatewayV2Event);
      expect(answer !== undefined).toBe(testCase.direct);
    },
  );
});
