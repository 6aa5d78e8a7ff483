import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { MemoryStore } from "../adapters/memory/index.js";
import { createEngine } from "../core/index.js";
import { commandRequestSchema } from "../core/model/envelope.js";
import { safeParseFirstJitless } from "../core/model/first-parse.js";
import { defineService } from "../core/model/service.js";
import { commandRequest } from "./support/requests.js";

/** Counts `new Function(...)`: zod compiles an object schema's parser that way, and nothing else here does. */
const realFunction = globalThis.Function;
let compiled = 0;
function countCompiles(): void {
  compiled = 0;
  globalThis.Function = new Proxy(realFunction, {
    construct(target, args, newTarget) {
      compiled++;
      return Reflect.construct(target, args, newTarget);
    },
  });
}
afterEach(() => {
  globalThis.Function = realFunction;
});

const person = () =>
  z.object({ name: z.string().min(1), age: z.number().int().min(0), tags: z.array(z.object({ label: z.string() })).optional() }).strict();

describe("safeParseFirstJitless: a schema's first parse skips zod's parser compile", () => {
  it("compiles nothing on the first parse and compiles on the second, as zod's own safeParse does", () => {
    const schema = person();
    // zod's probe of `new Function` runs once per process, when the first object schema is built: done by now.
    countCompiles();
    safeParseFirstJitless(schema, { name: "Ada", age: 36 });
    expect(compiled).toBe(0);
    safeParseFirstJitless(schema, { name: "Ada", age: 36 });
    expect(compiled).toBeGreaterThan(0);

    const plain = person();
    countCompiles();
    plain.safeParse({ name: "Ada", age: 36 });
    expect(compiled).toBeGreaterThan(0);
  });

  it("answers exactly what safeParse answers, on the first parse and after, for good and bad input", () => {
    const inputs: unknown[] = [
      { name: "Ada", age: 36, tags: [{ label: "x" }] },
      { name: "", age: -1 },
      { name: "Ada", age: 1.5, extra: true },
      { name: "Ada", age: 3, tags: [{ label: 1 }] },
      "not an object",
      null,
    ];
    for (const input of inputs) {
      const reference = person().safeParse(input);
      const schema = person();
      for (const answer of [safeParseFirstJitless(schema, input), safeParseFirstJitless(schema, input)]) {
        expect(answer.success).toBe(reference.success);
        if (answer.success) expect(answer.data).toEqual(reference.data);
        else expect(answer.error.issues).toEqual(reference.error?.issues);
      }
    }
  });
  it("answers as safeParse does for edd's own envelope: defaults, optional keys given as undefined, unknown keys, bad ids", () => {
    const id = "0b6f8a56-5f2c-4c43-9a57-1f1f3c4f9d7e";
    const envelopes: unknown[] = [
      { requestId: id, interactionId: id, commands: [{ command: "Open", aggregateId: "a" }] },
      {
        requestId: id,
        interactionId: id,
        commands: [{ command: "Open", aggregateId: "a", expectedVersion: undefined, service: undefined }],
      },
      { requestId: id, interactionId: id, meta: undefined, commands: [{ command: "Open", aggregateId: "a", attributes: { x: 1 } }] },
      { requestId: id, interactionId: id, commands: [{ command: "Open", aggregateId: "a", extra: 1 }] },
      { requestId: "not-a-uuid", interactionId: id, commands: [] },
      { requestId: id, interactionId: id, breadcrumbs: [], commands: [{ command: "", aggregateId: "a" }] },
    ];
    for (const input of envelopes) {
      const reference = commandRequestSchema.safeParse(input);
      // A copy of the schema: the shared one may have been parsed before in this process.
      const schema = commandRequestSchema.clone();
      for (const answer of [safeParseFirstJitless(schema, input), safeParseFirstJitless(schema, input)]) {
        expect(answer.success).toBe(reference.success);
        if (answer.success) expect(answer.data).toStrictEqual(reference.data);
        else expect(answer.error.issues).toEqual(reference.error?.issues);
      }
    }
  });
});

describe("a cold engine's first command compiles no zod parser", () => {
  const accounts = defineService("accounts", { initialState: () => ({ open: false }) })
    .event("Opened", z.object({ owner: z.string() }), () => ({ open: true }))
    .command("Open", {
      schema: z.object({ owner: z.string().min(1) }),
      handle: (command) => [{ type: "Opened", data: { owner: command.owner } }],
    })
    .build();

  it("parses the envelope, the attributes and the event without `new Function`, and still refuses bad input", async () => {
    const engine = createEngine({ services: [accounts], store: new MemoryStore() });
    const principal = { id: "ada", realm: "default", roles: [] };
    countCompiles();
    const first = await engine.command(commandRequest({ command: "Open", aggregateId: "a-1", attributes: { owner: "ada" } }), principal);
    expect(first.status).toBe(200);
    expect(compiled).toBe(0);

    const refused = await engine.command(commandRequest({ command: "Open", aggregateId: "a-2", attributes: { owner: "" } }), principal);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain("invalid-command");
  });
});
