import { describe, expect, it } from "vitest";
import { memoryBackend } from "../adapters/memory/backend.js";
import { anonymousPrincipal, createEngine } from "../core/index.js";
import { bankServices } from "../examples/bank/services.js";
import type { Backend } from "../core/ports/backend.js";
import { stateCommand } from "../runtimes/cli/state.js";
import { runCli } from "./support/data-cli.js";
import { commandRequest } from "./support/requests.js";

/** An account opened, then two deposits a minute apart, on a clock the test sets. */
async function account(): Promise<Backend> {
  const backend = memoryBackend();
  const { store } = backend;
  let now = new Date("2026-01-02T10:00:00.000Z");
  const engine = createEngine({ services: bankServices, store, clock: { now: () => now } });
  const send = async (command: string, attributes: Record<string, unknown>) =>
    expect((await engine.command(commandRequest({ command, aggregateId: "a", attributes }), anonymousPrincipal)).status).toBe(200);
  await send("OpenAccount", { owner: "ana@example.com" });
  now = new Date("2026-01-02T10:01:00.000Z");
  await send("Deposit", { amount: 500 });
  now = new Date("2026-01-02T10:02:00.000Z");
  await send("Deposit", { amount: 7 });
  return backend;
}

const state = async (tools: Backend, at: string) =>
  runCli(stateCommand, tools, ["--realm", "default", "--aggregate", "accounts/a", "--at", at, "--json"]);

describe("edd state", () => {
  it("folds an aggregate up to a version or an instant", async () => {
    const tools = await account();
    expect(JSON.parse((await state(tools, "2")).out)).toMatchObject({
      version: 2,
      latestVersion: 3,
      time: "2026-01-02T10:01:00.000Z",
      state: { status: "open", balance: 500 },
    });
    expect(JSON.parse((await state(tools, "2026-01-02T10:01:30.000Z")).out)).toMatchObject({ version: 2, state: { balance: 500 } });
    expect(JSON.parse((await state(tools, "2026-01-02T10:05:00Z")).out)).toMatchObject({ version: 3, state: { balance: 507 } });
    expect(JSON.parse((await state(tools, "0")).out)).toMatchObject({ version: 0, state: { status: "new", balance: 0 } });
  });

  it("refuses what it cannot answer with a clear message", async () => {
    const tools = await account();
    expect(await state(tools, "yesterday")).toMatchObject({
      code: 2,
      err: expect.stringContaining("neither a version nor an ISO-8601 time"),
    });
    const unknown = await runCli(stateCommand, tools, ["--realm", "default", "--aggregate", "accounts/zz", "--at", "1"]);
    expect(unknown).toMatchObject({ code: 1, err: expect.stringContaining("accounts/zz has no events in realm default") });
    const other = await runCli(stateCommand, tools, ["--realm", "elsewhere", "--aggregate", "accounts/a", "--at", "1"]);
    expect(other.code).toBe(1);
    expect((await runCli(stateCommand, tools, ["--realm", "default", "--aggregate", "nope/a", "--at", "1"])).code).toBe(1);
    expect((await runCli(stateCommand, tools, ["--realm", "default", "--aggregate", "accounts", "--at", "1"])).code).toBe(2);
  });
});
