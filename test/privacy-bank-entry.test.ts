import { randomBytes } from "node:crypto";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createPostgresClient } from "../adapters/postgres/index.js";
import { anonymousPrincipal } from "../core/index.js";
import { openBankSystem } from "../examples/bank/entry/engine.js";
import { personalDataMode } from "../examples/bank/entry/personal-data.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";

const masterKey = randomBytes(32).toString("base64");

describe("how the deployed bank keeps personal data", () => {
  it("seals in memory without settings, seals on a database with EDD_MASTER_KEY, and refuses a database without it", () => {
    expect(personalDataMode({})).toBe("memory");
    expect(personalDataMode({ DATABASE_URL: "postgres://db/bank", EDD_MASTER_KEY: masterKey })).toBe("sealed");
    expect(() => personalDataMode({ DATABASE_URL: "postgres://db/bank" })).toThrow(/no key store is configured.*EDD_MASTER_KEY/);
    expect(personalDataMode({ DATABASE_URL: "postgres://db/bank", EDD_PERSONAL_DATA: "plain" })).toBe("plain");
    expect(() => personalDataMode({ EDD_PERSONAL_DATA: "plain", EDD_MASTER_KEY: masterKey })).toThrow(/contradicts/);
    expect(() => personalDataMode({ EDD_PERSONAL_DATA: "off" })).toThrow(/sealed \(the default\) or plain/);
  });

  it("refuses to load a serverless entry on a database without a key store", async () => {
    vi.stubEnv("DATABASE_URL", "postgres://db.invalid/bank");
    vi.stubEnv("EDD_ANONYMOUS", "local");
    vi.stubEnv("EDD_MASTER_KEY", "");
    const { bankServerlessOptions } = await import("../examples/bank/entry/serverless.js");
    expect(() => bankServerlessOptions(process.env)).toThrow(/EDD_MASTER_KEY/);
  });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));
describePostgres("the deployed bank on PostgreSQL", () => {
  it("stores the owner sealed, views included, with the keys in the same database", async () => {
    const schema = testSchema();
    schemas.push(schema);
    vi.stubEnv("DATABASE_URL", databaseUrl);
    vi.stubEnv("EDD_SCHEMA", schema);
    vi.stubEnv("EDD_MASTER_KEY", masterKey);
    const { engine, projections } = await openBankSystem();
    const owner = `entry-${randomBytes(4).toString("hex")}@example.com`;
    const opened = await engine.command(
      {
        requestId: crypto.randomUUID(),
        interactionId: crypto.randomUUID(),
        commands: [{ command: "OpenAccount", aggregateId: "acc-e", attributes: { owner } }],
      },
      anonymousPrincipal,
    );
    expect(opened.status).toBe(200);
    const { createProjector } = await import("../core/pipeline/projections/projection.js");
    const [projection] = projections.projections;
    if (projection === undefined) throw new Error("the bank projects its summaries");
    await createProjector({ ...projections, projection, realm: "default" }).drain();
    const found = await engine.query(
      { query: { query: "SearchAccounts", attributes: { owner: owner.split("@")[0] } } },
      anonymousPrincipal,
    );
    expect(found.body).toMatchObject({ result: { total: 1, accounts: [{ id: "acc-e", owner }] } });
    const client = createPostgresClient({ connectionString: databaseUrl, poolSize: 1 });
    try {
      for (const table of ["events", "snapshots", "view_documents", "request_log"]) {
        const rows = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${schema}"."${table}" t`);
        expect(rows.length, table).toBeGreaterThan(0);
        expect(rows.map((r) => r.row).join("\n"), table).not.toContain(owner);
      }
      const [keys] = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${schema}".subject_keys`);
      expect(Number(keys?.n)).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
    await engine.store.close();
  });
});
