import { readFileSync, writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { memoryBackend } from "../adapters/memory/backend.js";
import { anonymousPrincipal } from "../core/index.js";
import type { Backend } from "../core/ports/backend.js";
import { importCommand } from "../runtimes/cli/import.js";
import { verifyCommand } from "../runtimes/cli/verify.js";
import { recordKinds, recordLineSchema } from "../core/pipeline/operations/realm-records.js";
import { describePostgres } from "./store-postgres-support.js";
import { bankScenario, runCli } from "./support/data-cli.js";
import { moveFixture } from "./support/data-moves.js";

const realm = anonymousPrincipal.realm;
const { endpoint, file, pglite: pgliteBackend, postgres: postgresBackend, dynamo, exportTo } = moveFixture("edd-export-");

const run = runCli;

async function importAndVerify(tools: Backend, from: string): Promise<void> {
  const imported = await run(importCommand, tools, ["--realm", realm, file(from)]);
  expect(imported.code, imported.err).toBe(0);
  const verified = await run(verifyCommand, tools, ["--realm", realm]);
  expect(verified.code, verified.out).toBe(0);
}

describePostgres("export and import", () => {
  it.skipIf(typeof endpoint !== "string")(
    "moves the bank PGlite → PostgreSQL → DynamoDB → PGlite; verify passes and every export is byte-identical",
    { timeout: 120_000 },
    async () => {
      const source = await pgliteBackend();
      await bankScenario(source);
      expect((await run(verifyCommand, source, ["--realm", realm])).code).toBe(0);
      const original = await exportTo(source, "pglite");
      const lines = original.trimEnd().split("\n");
      expect(JSON.parse(lines[0] as string)).toEqual({ kind: "header", format: "edd.realm-export", version: 2, realm });
      expect(lines.filter((line) => line.startsWith('{"kind":"event"'))).toHaveLength(9);
      expect(lines.filter((line) => line.startsWith('{"kind":"identity"'))).toHaveLength(2);
      expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ kind: "end", events: 9, identities: 2 });

      const postgres = await postgresBackend();
      await importAndVerify(postgres, "pglite");
      expect(await exportTo(postgres, "postgres")).toBe(original);

      const dynamoStore = dynamo();
      await importAndVerify(dynamoStore, "postgres");
      expect(await exportTo(dynamoStore, "dynamodb")).toBe(original);

      const target = await pgliteBackend();
      await importAndVerify(target, "dynamodb");
      expect(await exportTo(target, "pglite-again")).toBe(original);
      expect(await target.store.findIdentity(realm, "accounts", "bo@example.org")).toBe("b");
      expect(await target.store.loadSnapshot({ realm, service: "accounts", aggregateId: "b" })).toEqual({
        state: { status: "open", owner: "bo@example.org", balance: 132 },
        version: 3,
      });
    },
  );
});

describe("import refuses", () => {
  let exported: string;
  beforeAll(async () => {
    const source = await pgliteBackend();
    await bankScenario(source);
    exported = await exportTo(source, "refusals");
  });

  for (const [name, open] of [
    ["PGlite", pgliteBackend],
    ["DynamoDB", async () => dynamo()],
  ] as const) {
    it.skipIf(name === "DynamoDB" && typeof endpoint !== "string")(
      `to mix into aggregates that exist (${name}), writing nothing`,
      async () => {
        const tools = await open();
        await importAndVerify(tools, "refusals");
        const again = await run(importCommand, tools, ["--realm", realm, file("refusals")]);
        expect(again.code).toBe(1);
        for (const aggregate of ["accounts/a", "accounts/b", "transfers/t1"])
          expect(again.err).toMatch(new RegExp(`line \\d+ at aggregateId: ${aggregate} already has history in realm default`));
        expect(await exportTo(tools, `refusals-${name}`)).toBe(exported);
      },
    );
  }

  it("into a MemoryStore too, which verify then passes", async () => {
    const tools = memoryBackend();
    const memory = tools.store;
    await importAndVerify(tools, "refusals");
    expect(await memory.findIdentity(realm, "accounts", "ana@example.com")).toBe("a");
    expect((await memory.readFeed(realm, undefined, 100)).events).toHaveLength(9);
  });

  it("writes the lines docs/data-format.md shows, keys in the documented order", () => {
    const doc = readFileSync(new URL("../docs/data-format.md", import.meta.url), "utf8");
    const example = (/```jsonl\n([\s\S]*?)```/.exec(doc)?.[1] ?? "")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const real = exported
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(example.map((line) => line.kind)).toEqual([
      "header",
      "event",
      "identity",
      "response",
      "request",
      "dead-letter",
      "outbox",
      "end",
    ]);
    for (const line of example) {
      if ((recordKinds as readonly unknown[]).includes(line.kind)) expect(recordLineSchema.safeParse(line).error).toBeUndefined();
      // Lines of the scenario with the same fields as the example's must list them in the same order.
      const same = real.find((candidate) => candidate.kind === line.kind && Object.keys(candidate).length === Object.keys(line).length);
      if (same === undefined) continue;
      expect(Object.keys(line)).toEqual(Object.keys(same));
      if (line.kind === "event") expect(Object.keys(line.meta as object).sort()).toEqual(Object.keys(line.meta as object));
    }
  });

  it("a tampered file, a cut-off file and a file of another realm", async () => {
    const tools = await pgliteBackend();
    const tampered = exported.replace('"amount":500', '"amount":5000');
    writeFileSync(file("tampered"), tampered);
    const lines = exported.trimEnd().split("\n");
    writeFileSync(file("cut"), `${lines.slice(0, -1).join("\n")}\n`);
    for (const [name, message] of [
      ["tampered", /line \d+ at hash: accounts\/a sequence 2: the hash does not match the event/],
      ["cut", /no end line: the file is cut off/],
    ] as const) {
      const result = await run(importCommand, tools, ["--realm", realm, file(name)]);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(message);
    }
    const elsewhere = await run(importCommand, tools, ["--realm", "other", file("refusals")]);
    expect(elsewhere.err).toMatch(/holds realm default/);
    expect(await tools.store.readFeed(realm, undefined, 10)).toMatchObject({ events: [] });
  });
});
