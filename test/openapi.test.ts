import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import { createEngine } from "../core/index.js";
import { bankServices } from "../examples/bank/services.js";
import { createHttpApp } from "../runtimes/http/app.js";
import { commandRequest, queryRequest } from "./support/requests.js";

/** The served OpenAPI document, compiled with a JSON Schema 2020-12 validator. */
async function openApiValidators() {
  const app = createHttpApp(createEngine({ services: bankServices, store: new MemoryStore() }));
  const doc = (await (await app.request("/openapi.json")).json()) as { components: { schemas: Record<string, unknown> } };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ $id: "openapi", components: doc.components });
  const validator = (name: string) => ajv.compile({ $ref: `openapi#/components/schemas/${name}` });
  return { app, command: validator("CommandRequest"), query: validator("QueryRequest") };
}

/** A 403 because the command is internal: not offered to clients at all. */
async function refusedAsInternal(response: Response): Promise<boolean> {
  if (response.status !== 403) return false;
  const body = (await response.clone().json()) as { error?: { message?: string } };
  return body.error?.message?.includes("is internal") === true;
}

describe("GET /openapi.json describes what the server accepts", () => {
  it("accepts every request the server takes and refuses what the server refuses as malformed", async () => {
    const { app, command } = await openApiValidators();
    const cases: unknown[] = [
      commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner: "ana@example.com" } }),
      commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 5 }, expectedVersion: 1 }),
      commandRequest([
        { command: "Deposit", aggregateId: "a", attributes: { amount: 5 } },
        { command: "Withdraw", aggregateId: "a", attributes: { amount: 1 }, service: "accounts" },
      ]),
      commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: "5" } }),
      commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: -1 } }),
      commandRequest({ command: "Launch", aggregateId: "a" }),
      { ...commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 5 } }), requestId: "not-a-uuid" },
      { ...commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 5 } }), extra: true },
      { ...commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 5 } }), commands: [] },
      { ...commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 5 } }), breadcrumbs: [0, 0] },
      { ...commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 5 } }), meta: { cause: {} } },
      { ...commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 5 } }), meta: { channel: "web" } },
      commandRequest({ command: "CreditForTransfer", aggregateId: "a", attributes: { transferId: "t", amount: 5 } }),
    ];
    for (const body of cases) {
      const response = await app.request("/command", { method: "POST", body: JSON.stringify(body) });
      // A request the server refuses as malformed (400), unknown (404) or internal (403) must not validate, and vice versa.
      const serverAccepts = response.status !== 400 && response.status !== 404 && !(await refusedAsInternal(response));
      expect({ body, valid: command(body) }).toEqual({ body, valid: serverAccepts });
    }
  });

  it("describes the query envelope with each query's attributes", async () => {
    const { query } = await openApiValidators();
    expect(query(queryRequest("GetAccount", { id: "a" }))).toBe(true);
    expect(query(queryRequest("FindAccountByOwner", { owner: "ana@example.com" }))).toBe(true);
    expect(query(queryRequest("FindAccountByOwner", { owner: "not an email" }))).toBe(false);
    expect(query(queryRequest("NoSuchQuery", {}))).toBe(false);
  });

  it("agrees with every request documented in docs/protocol.md", async () => {
    const { command } = await openApiValidators();
    const internal = new Set(
      bankServices.flatMap((service) => Object.keys(service.commands).filter((name) => service.commands[name]?.internal)),
    );
    const doc = readFileSync(new URL("../docs/protocol.md", import.meta.url), "utf8");
    const examples = [...doc.matchAll(/<!-- request: POST \/command (\d{3}) -->\s*```json\n([\s\S]*?)```/g)];
    expect(examples.length).toBeGreaterThan(2);
    for (const [, status, body] of examples) {
      const request = JSON.parse(body as string) as { commands: { command: string }[] };
      const offered = status !== "400" && status !== "404" && !request.commands.some((entry) => internal.has(entry.command));
      expect({ status, valid: command(request) }).toEqual({ status, valid: offered });
    }
  });
});
