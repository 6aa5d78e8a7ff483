import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createPostgresClient, createPostgresStore, PostgresQueueTransport } from "edd/postgres";
import type { BankRuntime } from "../../examples/bank/build.js";
import { databaseUrl, dropSchemas, postgresUnreachable, testSchema } from "../store-postgres-support.js";
import { startBundleHost } from "./system-host.js";
import {
  azureSystemDriver,
  cloudRunSystemDriver,
  lambdaSystemDriver,
  nodeSystemDriver,
  runSystemScenario,
  seedStrandedTransfer,
  type SystemDriver,
} from "./system.js";

/** Why the whole-system runs cannot happen here (they need PostgreSQL); with EDD_REQUIRE_POSTGRES=1 that fails instead. */
export const postgresSkip: string | undefined = (() => {
  if (postgresUnreachable === undefined) return undefined;
  if (process.env.EDD_REQUIRE_POSTGRES === "1") throw new Error(`PostgreSQL at ${databaseUrl} unreachable: ${postgresUnreachable}`);
  return `PostgreSQL at ${databaseUrl} unreachable`;
})();

export interface SystemRun {
  readonly transcript: Awaited<ReturnType<typeof runSystemScenario>>;
  readonly events: readonly string[];
  readonly deadLetters: readonly { realm: string; message: unknown; code: string; attempts: number }[];
  readonly views: readonly { id: string; version: number; data: unknown }[];
}

const kinds = { "aws-lambda": "lambda", "azure-functions": "azure", "cloud-run": "server", node: "server" } as const;

/** Runs the scenario through one runtime's bundle in a fresh process, on a fresh schema, and reads what it left. */
export async function runWholeSystem(runtime: BankRuntime, bundleFile: string): Promise<SystemRun> {
  const schema = testSchema();
  const objectsDir = mkdtempSync(join(tmpdir(), "edd-system-objects-"));
  const sqlClient = createPostgresClient({ connectionString: databaseUrl, poolSize: 2 });
  const queue = new PostgresQueueTransport({ connectionString: databaseUrl, schema, queue: "parity", maxAttempts: 5 });
  try {
    await seedStrandedTransfer(databaseUrl, schema, objectsDir);
    const env: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      EDD_SCHEMA: schema,
      EDD_DB_POOL_SIZE: "2",
      // Serverless entries refuse to start without an authenticator unless told the run is local; Node serves loopback anonymously.
      ...(runtime === "node" ? {} : { EDD_ANONYMOUS: "local" }),
      EDD_LARGE_COMMANDS: pathToFileURL(objectsDir).href,
      EDD_REALMS: "default",
      EDD_COMMAND_QUEUE: "parity",
      // Parity compares what each runtime stored, byte for byte: sealed values differ run to run (docs/privacy.md).
      EDD_PERSONAL_DATA: "plain",
      ...(runtime === "cloud-run" ? { EDD_PUSH_UNAUTHENTICATED: "local" } : {}),
    };
    const host = await startBundleHost(kinds[runtime], bundleFile, env);
    let transcript: SystemRun["transcript"];
    try {
      const sql = (text: string) => sqlClient.query<unknown>(text.replaceAll("{schema}", `"${schema}"`));
      const drivers: Record<BankRuntime, () => SystemDriver> = {
        "aws-lambda": () => lambdaSystemDriver(host),
        "azure-functions": () => azureSystemDriver(host),
        "cloud-run": () => cloudRunSystemDriver(host),
        node: () => nodeSystemDriver(host, queue, sql),
      };
      transcript = masked(await runSystemScenario(drivers[runtime]()), ["invocationId", "openedAt", "requestId", "interactionId"]);
    } finally {
      await host.stop();
    }
    return { transcript, ...(await readWhatItLeft(schema)) };
  } finally {
    await queue.close();
    await sqlClient.close();
    await dropSchemas([schema]);
    rmSync(objectsDir, { recursive: true, force: true });
  }
}

async function readWhatItLeft(schema: string): Promise<Omit<SystemRun, "transcript">> {
  const store = await createPostgresStore({ connectionString: databaseUrl, schema, poolSize: 2, migrate: false });
  const client = createPostgresClient({ connectionString: databaseUrl, poolSize: 1 });
  try {
    // Per aggregate, in sequence order: Node's relay sweeps the stranded transfer as soon as it starts, the
    // serverless runtimes when their sweep entry runs, so the feed interleaves aggregates differently by design.
    const events = (await store.readFeed("default", undefined, 1000)).events
      .map((e) => `${e.aggregateId}#${String(e.sequence).padStart(3, "0")} ${e.type} ${JSON.stringify(e.data)} by ${e.meta.user}`)
      .sort();
    const deadLetters = (await store.listDeadLetters()).map(({ realm, message, error, attempts }) => ({
      realm,
      message,
      code: error.code,
      attempts,
    }));
    const rows = await client.query<{ id: string; version: string; data: Record<string, unknown> }>(
      `SELECT id, version, data FROM "${schema}".view_documents WHERE realm = 'default' AND view = 'accounts.summary' AND NOT deleted ORDER BY id`,
    );
    const views = rows.map(({ id, version, data }) => ({ id, version: Number(version), data: masked(data) }));
    return { events, deadLetters, views };
  } finally {
    await client.close();
    await store.close();
  }
}

/** What differs between runs by design: ids drawn at random (invocations, queries sent without ids), times of the run. */
function masked<T>(value: T, keys = ["invocationId", "openedAt"]): T {
  return JSON.parse(JSON.stringify(value), (key, field) => (keys.includes(key) ? "<masked>" : field));
}
