import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryCheckpointStore } from "../adapters/memory/checkpoints.js";
import { createPgliteClient } from "../adapters/pglite/index.js";
import { createPostgresClient } from "../adapters/postgres/index.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { anonymousPrincipal, createEngine } from "../core/index.js";
import { createOutboxRelay } from "edd/pipeline";
import { createProjector } from "../core/pipeline/projections/projection.js";
import type { VerifyProblem } from "../core/pipeline/operations/verify.js";
import { bankServices } from "../examples/bank/services.js";
import { accountSummaries } from "../examples/bank/views.js";
import type { CliContext } from "../runtimes/cli/context.js";
import type { Backend } from "../core/ports/backend.js";
import { sqlBackend } from "../adapters/sql/backend.js";
import { verifyCommand } from "../runtimes/cli/verify.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";

const realm = anonymousPrincipal.realm;

/** Accounts a–e with deposits, a withdrawal and one transfer (effects through the outbox), views projected. */
async function bankScenario(tools: Backend): Promise<void> {
  const engine = createEngine({ services: bankServices, store: tools.store });
  const send = async (service: string, command: string, aggregateId: string, attributes: Record<string, unknown>) => {
    const request = { requestId: randomUUID(), interactionId: randomUUID(), commands: [{ service, command, aggregateId, attributes }] };
    const result = await engine.command(request, anonymousPrincipal);
    expect(result.status, JSON.stringify(result.body)).toBe(200);
  };
  for (const [id, owner] of [
    ["a", "ana@example.com"],
    ["b", "bob@example.org"],
    ["c", "cy@example.net"],
    ["d", "dee@example.com"],
    ["e", "eve@example.com"],
  ]) {
    await send("accounts", "OpenAccount", id as string, { owner });
  }
  await send("accounts", "Deposit", "a", { amount: 500 });
  await send("accounts", "Deposit", "b", { amount: 80 });
  await send("accounts", "Deposit", "c", { amount: 70 });
  await send("accounts", "Withdraw", "a", { amount: 120 });
  await send("accounts", "Deposit", "b", { amount: 5 });
  await send("transfers", "RequestTransfer", "t1", { from: "a", to: "c", amount: 30 });
  await createOutboxRelay(engine).drain();
  await projectAll(tools);
}

/** Projects until the view has seen every event: on PostgreSQL the feed shows a commit once older transactions end. */
async function projectAll(tools: Backend): Promise<void> {
  const projector = createProjector({
    store: tools.store,
    views: tools.views as NonNullable<Backend["views"]>,
    checkpoints: new MemoryCheckpointStore(),
    projection: accountSummaries,
    realm,
  });
  const total = (await tools.store.readAggregateEvents({ realm, service: "accounts", aggregateId: "a" })).length;
  const deadline = Date.now() + 10_000;
  for (;;) {
    await projector.drain();
    const document = await tools.views?.get(realm, accountSummaries.view, "a");
    if (document?.version === total) return;
    if (Date.now() > deadline) throw new Error("projection did not catch up");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function runVerify(tools: Backend, args: readonly string[] = []) {
  const out: string[] = [];
  const context: CliContext = {
    config: {
      services: bankServices,
      projections: [accountSummaries],
      // openBackend hands over the test's stores; verify must not close them.
      ...{ openBackend: async () => ({ ...tools, close: async () => {} }) },
    },
    env: {},
    out: (line) => out.push(line),
    err: () => {},
    json: true,
  };
  const code = await verifyCommand(["--realm", realm, ...args], context);
  const report = JSON.parse(out.join("\n")) as { ok: boolean; aggregates: number; events: number; problems: VerifyProblem[] };
  return { code, report };
}

function describeVerify(name: string, open: () => Promise<{ client: SqlClient; schema: string }>, cleanup: () => Promise<void>) {
  describe(`edd verify on ${name}`, () => {
    let client: SqlClient;
    let schema: string;
    let tools: Backend;
    const sql = (text: string) => client.query(text.replaceAll("$schema", `"${schema}"`));
    const asOwner = (statements: readonly string[]) =>
      client.transaction(async (tx) => {
        const events = `"${schema}".events`;
        await tx.query(`ALTER TABLE ${events} DISABLE TRIGGER events_append_only`);
        for (const statement of statements) await tx.query(statement.replaceAll("$schema", `"${schema}"`));
        await tx.query(`ALTER TABLE ${events} ENABLE TRIGGER events_append_only`);
      });

    beforeAll(async () => {
      ({ client, schema } = await open());
      tools = sqlBackend(client, { schema });
      await tools.migrate();
      await bankScenario(tools);
    });
    afterAll(async () => {
      await client.close();
      await cleanup();
    });

    it("passes on what the pipeline wrote", async () => {
      const { code, report } = await runVerify(tools);
      expect(report.problems).toEqual([]);
      expect(report).toMatchObject({ ok: true, aggregates: 6 });
      expect(report.events).toBeGreaterThanOrEqual(14);
      expect(code).toBe(0);
    });

    it("names an edited event and a deleted event by aggregate and sequence", async () => {
      // Events are append-only (migration 4): whoever tampers must own the table and lift the trigger first.
      await asOwner([
        `UPDATE $schema.events SET data = jsonb_set(data::jsonb, '{amount}', '999') WHERE aggregate_id = 'b' AND sequence = 2`,
        `DELETE FROM $schema.events WHERE service = 'accounts' AND aggregate_id = 'a' AND sequence = 2`,
        `DELETE FROM $schema.events WHERE service = 'accounts' AND aggregate_id = 'd' AND sequence = 1`,
      ]);
      const { code, report } = await runVerify(tools);
      expect(code).toBe(1);
      const chains = report.problems.filter((p) => p.kind === "broken-chain");
      expect(chains).toEqual([
        expect.objectContaining({ service: "accounts", aggregateId: "a", sequence: 2, reason: expect.stringContaining("missing") }),
        expect.objectContaining({ service: "accounts", aggregateId: "b", sequence: 2, reason: expect.stringMatching(/^hash /) }),
        expect.objectContaining({ service: "accounts", aggregateId: "d", sequence: 1, reason: expect.stringContaining("missing") }),
      ]);
      // The replay follows the edited amount, so the snapshot no longer agrees either.
      expect(report.problems).toContainEqual(
        expect.objectContaining({ kind: "drift", aggregateId: "b", target: "snapshot", path: "state.balance", expected: 1004, found: 85 }),
      );
    });

    it("reports a snapshot edited behind the store's back, with the field", async () => {
      await sql(`UPDATE $schema.snapshots SET state = jsonb_set(state, '{balance}', '12345') WHERE aggregate_id = 'c'`);
      const { code, report } = await runVerify(tools, ["--service", "accounts", "--aggregate", "c"]);
      expect(code).toBe(1);
      expect(report.problems).toEqual([
        { kind: "drift", service: "accounts", aggregateId: "c", target: "snapshot", path: "state.balance", expected: 100, found: 12345 },
      ]);
    });

    it("reports an edited view document, with the field", async () => {
      await sql(`UPDATE $schema.view_documents SET data = jsonb_set(data, '{owner}', '"mallory@example.com"') WHERE id = 'e'`);
      const { code, report } = await runVerify(tools, ["--aggregate", "e"]);
      expect(code).toBe(1);
      expect(report.problems).toEqual([
        {
          kind: "drift",
          service: "accounts",
          aggregateId: "e",
          target: "view accounts.summary (accounts.summary)",
          path: "data.owner",
          expected: "eve@example.com",
          found: "mallory@example.com",
        },
      ]);
    });
  });
}

describeVerify(
  "PGlite",
  async () => ({ client: await createPgliteClient(), schema: "edd" }),
  async () => {},
);

const schemas: string[] = [];
describePostgres("PostgreSQL", () => {
  describeVerify(
    "PostgreSQL",
    async () => {
      const schema = testSchema();
      schemas.push(schema);
      return { client: createPostgresClient({ connectionString: databaseUrl, poolSize: 4 }), schema };
    },
    () => dropSchemas(schemas),
  );
});
