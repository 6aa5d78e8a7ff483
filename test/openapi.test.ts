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
    ];
    for (const body of cases) {
      const response = await app.request("/command", { method: "POST", body: JSON.stringify(body) });
      // A request the server refuses as malformed (400) or unknown (404) must not validate, and vice versa.
      const serverAccepts = response.status !== 400 && response.status !== 404;
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
    const doc = readFileSync(new URL("../docs/protocol.md", import.meta.url), "utf8");
    const examples = [...doc.matchAll(/<!-- request: POST \/command (\d{3}) -->\s*```json\n([\s\S]*?)```/g)];
    expect(examples.length).toBeGreaterThan(2);
    for (const [, status, body] of examples) {
      const malformed = status === "400" || status === "404";
      expect({ status, valid: command(JSON.parse(body as string)) }).toEqual({ status, valid: !malformed });
    }
  });
});
