import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runDocExamples } from "../../test/support/doc-examples.js";
import { MemoryStore } from "../memory/index.js";
import { anonymousPrincipal, createEngine, defineService } from "../../core/index.js";
import { bankServices } from "../../examples/bank/services.js";
import { pinoLogger } from "./index.js";

/** A pino destination that keeps every line, parsed. */
function captureLines() {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } };
}

const faulty = defineService<Record<string, never>>("faulty", { initialState: () => ({}) })
  .event("Never", z.object({}), (state) => state)
  .command("Explode", {
    schema: z.object({ password: z.string() }),
    handle: () => {
      throw new Error("disk on fire");
    },
  })
  .build();

function engineWithCapturedLogs(options: { logPayloads?: boolean } = {}) {
  const { lines, destination } = captureLines();
  const logger = pinoLogger({ destination });
  const engine = createEngine({ services: [...bankServices, faulty], store: new MemoryStore(), logger, ...options });
  return { engine, lines };
}

const request = (command: string, aggregateId: string, attributes: Record<string, unknown>) => ({
  requestId: crypto.randomUUID(),
  interactionId: crypto.randomUUID(),
  commands: [{ command, aggregateId, attributes }],
});

describe("pinoLogger", () => {
  it("writes one JSON line per call with level name, message, ISO time and fields", () => {
    const { lines, destination } = captureLines();
    pinoLogger({ destination }).warn("relay slow", { pending: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "warn", time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), message: "relay slow", pending: 3 });
  });

  it("binds fields once in a child, as a request does with its ids", () => {
    const { lines, destination } = captureLines();
    const child = pinoLogger({ destination }).child({ requestId: "r1" });
    child.info("one");
    child.child({ invocationId: "i1" }).error("two", { status: 500 });
    expect(lines.map(({ requestId, invocationId }) => ({ requestId, invocationId }))).toEqual([
      { requestId: "r1", invocationId: undefined },
      { requestId: "r1", invocationId: "i1" },
    ]);
  });

  it("redacts secrets whoever logs them", () => {
    const { lines, destination } = captureLines();
    pinoLogger({ destination }).info("login", { headers: { authorization: "Bearer abc" }, password: "hunter2" });
    expect(JSON.stringify(lines)).not.toMatch(/abc|hunter2/);
  });
});

describe("pinoLogger in the pipeline", () => {
  it("carries the request's ids on the line the pipeline logs for a fault", async () => {
    const { engine, lines } = engineWithCapturedLogs();
    const body = request("Explode", "x1", { password: "hunter2" });
    const result = await engine.command(body, anonymousPrincipal);

    expect(result.status).toBe(500);
    const failed = lines.find((line) => line.message === "command failed");
    expect(failed).toMatchObject({
      level: "error",
      requestId: body.requestId,
      interactionId: body.interactionId,
      invocationId: result.body.invocationId,
      error: expect.stringContaining("disk on fire"),
    });
    expect(JSON.stringify(lines)).not.toContain("hunter2");
  });

  it("logs a start and an end line per request, each with all three ids", async () => {
    const { engine, lines } = engineWithCapturedLogs();
    const body = request("OpenAccount", "acc-1", { owner: "ada@example.com" });
    const result = await engine.command(body, anonymousPrincipal);
    const ids = { requestId: body.requestId, interactionId: body.interactionId, invocationId: result.body.invocationId };

    expect(lines.map((line) => line.message)).toEqual(["command received", "command answered"]);
    for (const line of lines) expect(line).toMatchObject(ids);
    expect(lines[0]).toMatchObject({ realm: "default", principal: "anonymous", commands: ["OpenAccount"] });
    expect(lines[1]).toMatchObject({ status: 200, durationMs: expect.any(Number) });
    // Attributes may carry personal data: only logged on request.
    expect(JSON.stringify(lines)).not.toContain("ada@example.com");
  });

  it("logs payloads only with logPayloads: true", async () => {
    const { engine, lines } = engineWithCapturedLogs({ logPayloads: true });
    const body = request("OpenAccount", "acc-1", { owner: "ada@example.com" });
    await engine.command(body, anonymousPrincipal);
    // The owner is declared personal: even a payload log line does not hold it (docs/privacy.md).
    expect(lines[0]).toMatchObject({
      message: "command received",
      body: { commands: [{ aggregateId: "acc-1", attributes: { owner: "edd:redacted" } }] },
    });
    expect(JSON.stringify(lines)).not.toContain("ada@example.com");
  });

  it("logs queries the same way", async () => {
    const { engine, lines } = engineWithCapturedLogs();
    const body = {
      requestId: crypto.randomUUID(),
      interactionId: crypto.randomUUID(),
      query: { query: "GetAccount", attributes: { id: "a" } },
    };
    const result = await engine.query(body, anonymousPrincipal);
    expect(lines.map((line) => line.message)).toEqual(["query received", "query answered"]);
    for (const line of lines) {
      expect(line).toMatchObject({ requestId: body.requestId, interactionId: body.interactionId, invocationId: result.body.invocationId });
    }
  });
});

describe("docs/observability.md", () => {
  it("runs its examples", async () => {
    await runDocExamples("docs/observability.md");
  });
});
