import { generateKeyPairSync, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { createPgliteClient } from "../../adapters/pglite/index.js";
import { dynamoBackend } from "../../adapters/dynamodb/backend.js";
import { MemoryViewStore } from "../../adapters/memory/view-store.js";
import { createPostgresClient } from "../../adapters/postgres/index.js";
import { type SqlBackend, sqlBackend } from "../../adapters/sql/backend.js";
import type { SqlClient } from "../../adapters/sql/client.js";
import { anonymousPrincipal, createEngine } from "../../core/index.js";
import { type Backend, migrateOrClose } from "../../core/ports/backend.js";
import { createOutboxRelay } from "edd/pipeline";
import { bankServices } from "../../examples/bank/services.js";
import type { CliCommand, CliContext } from "../../runtimes/cli/context.js";
import { databaseUrl, testSchema } from "../store-postgres-support.js";
import type { dynamoTable } from "./dynamodb.js";

/** What the data commands (export, import, verify, anchor, prune) run against in tests. */
export const realm = anonymousPrincipal.realm;

/** A fresh embedded PGlite database with the edd schema; `clients` collects it for closing. */
export async function pgliteBackend(clients: SqlClient[], schema = "edd"): Promise<SqlBackend> {
  const client = await createPgliteClient();
  clients.push(client);
  return migrateOrClose(sqlBackend(client, { schema }));
}

/** Another empty schema in a PGlite database already open (starting one takes seconds); closing it closes nothing. */
export async function pgliteSchemaBackend(client: SqlClient): Promise<SqlBackend & { readonly schema: string }> {
  const schema = `t_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const backend = sqlBackend(client, { schema });
  await backend.migrate();
  return { ...backend, schema, close: async () => {} };
}

/** A fresh schema on the test PostgreSQL; `clients` and `schemas` collect it for closing and dropping. */
export async function postgresBackend(clients: SqlClient[], schemas: string[]): Promise<SqlBackend> {
  const schema = testSchema();
  schemas.push(schema);
  const client = createPostgresClient({ connectionString: databaseUrl, poolSize: 4 });
  clients.push(client);
  return migrateOrClose(sqlBackend(client, { schema }));
}

/** A fresh namespace of the test file's DynamoDB table (views in memory); the table's client outlives it. */
export function dynamoBackendOn(dynamo: Awaited<ReturnType<typeof dynamoTable>> | undefined): Backend {
  if (dynamo === undefined) throw new Error("DynamoDB Local is not running");
  const { tableName, client } = dynamo;
  return dynamoBackend({ tableName, client, namespace: randomUUID().slice(0, 12), views: new MemoryViewStore() });
}

/** Accounts with identities, deposits, a withdrawal, a transfer carried by effects, and a rejection. */
export async function bankScenario(tools: Pick<Backend, "store">): Promise<void> {
  const engine = createEngine({ services: bankServices, store: tools.store });
  const send = async (service: string, command: string, aggregateId: string, attributes: Record<string, unknown>, status = 200) => {
    const request = { requestId: randomUUID(), interactionId: randomUUID(), commands: [{ service, command, aggregateId, attributes }] };
    const result = await engine.command(request, anonymousPrincipal);
    expect(result.status, JSON.stringify(result.body)).toBe(status);
  };
  await send("accounts", "OpenAccount", "a", { owner: "ana@example.com" });
  await send("accounts", "OpenAccount", "b", { owner: "bo@example.org" });
  await send("accounts", "Deposit", "a", { amount: 500 });
  await send("accounts", "Withdraw", "b", { amount: 1 }, 422); // rejected: nothing stored but the response
  await send("transfers", "RequestTransfer", "t1", { from: "a", to: "b", amount: 125 });
  await send("accounts", "Deposit", "b", { amount: 7 });
  await createOutboxRelay(engine).drain();
}

/** Runs a CLI command against the given backend (never closing it); returns the exit code and what it printed. */
export async function runCli(command: CliCommand, tools: Backend, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const context: CliContext = {
    config: { services: bankServices, openBackend: async () => ({ ...tools, close: async () => {} }) },
    env,
    out: (line) => out.push(line),
    err: (text) => err.push(text),
    json: false,
  };
  const code = await command(args, context);
  return { code, out: out.join("\n"), err: err.join("") };
}

/** An Ed25519 key pair in PEM files in `folder`, as `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` write them. */
export function anchorKeyPair(folder: string, name: string) {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519", {
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  writeFileSync(join(folder, `${name}.key`), privateKey);
  writeFileSync(join(folder, `${name}.pub`), publicKey);
  return { privateKey: join(folder, `${name}.key`), publicKey: join(folder, `${name}.pub`) };
}
