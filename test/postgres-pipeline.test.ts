import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { anonymousPrincipal, createEngine, type Engine } from "../core/index.js";
import type { UnitOfWork } from "edd/ports";
import { createPostgresStore } from "../adapters/postgres/index.js";
import type { CommitStep } from "../adapters/sql/commit.js";
import type { SqlStore } from "../adapters/sql/store.js";
import { bankServices } from "../examples/bank/services.js";
import { command, errorCode, itKeepsConcurrentCommandsExact } from "./pipeline-concurrency.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";

const realm = anonymousPrincipal.realm;

describePostgres("the command pipeline on PostgreSQL under concurrency", () => {
  const schema = testSchema();
  const failAt = new Map<string, CommitStep>();
  let store: SqlStore;
  let engine: Engine;
  let db: pg.Client;

  beforeAll(async () => {
    const beforeStep = (step: CommitStep, unit: UnitOfWork) => {
      if (failAt.get(unit.idempotencyKey) === step) throw new Error(`injected fault before ${step}`);
    };
    store = await createPostgresStore({ connectionString: databaseUrl, schema, poolSize: 8, hooks: { beforeStep } });
    engine = createEngine({ services: bankServices, store });
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await store.close();
    await db.end();
    await dropSchemas([schema]);
  });

  const open = async (id: string) => {
    const result = await engine.command(command("OpenAccount", id, { owner: `${id}@example.com` }), anonymousPrincipal);
    expect(result.status).toBe(200);
  };
  const count = async (table: string, where = "true", params: unknown[] = []) =>
    Number((await db.query(`SELECT count(*)::int AS n FROM "${schema}".${table} WHERE ${where}`, params)).rows[0].n);

  itKeepsConcurrentCommandsExact(() => ({
    engine,
    store,
    countResponses: (requestId) => count("responses", "idempotency_key LIKE $1", [`${requestId}:%`]),
  }));

  it.each<CommitStep>(["snapshots", "identities", "outbox", "response"])(
    "a fault before the %s write, after the events insert, leaves nothing but the request log entry",
    async (step) => {
      // Opening an account writes events, a snapshot, an identity and a response; a transfer writes an effect.
      await Promise.all([open(`from-${step}`), open(`to-${step}`)]);
      const request =
        step === "outbox"
          ? command("RequestTransfer", `transfer-${step}`, { from: `from-${step}`, to: `to-${step}`, amount: 1 })
          : command("OpenAccount", `faulty-${step}`, { owner: `faulty-${step}@example.com` });
      const aggregateId = request.commands[0]?.aggregateId as string;
      failAt.set(`${request.requestId}:0`, step);
      const outbox = await count("outbox");

      const result = await engine.command(request, anonymousPrincipal);
      expect(result.status).toBe(500);
      expect(errorCode(result)).toBe("internal-error");
      expect(await count("events", "aggregate_id = $1", [aggregateId])).toBe(0);
      expect(await count("snapshots", "aggregate_id = $1", [aggregateId])).toBe(0);
      expect(await count("identities", "aggregate_id = $1", [aggregateId])).toBe(0);
      expect(await count("responses", "idempotency_key LIKE $1", [`${request.requestId}:%`])).toBe(0);
      expect(await count("outbox")).toBe(outbox);
      const logged = (await store.requestLog(realm)).filter((entry) => entry.requestId === request.requestId);
      expect(logged.map((entry) => entry.outcome?.status)).toEqual([500]);
    },
  );
});
