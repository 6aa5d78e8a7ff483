import { generateKeyPairSync, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { createPgliteClient } from "../../adapters/pglite/index.js";
import type { SqlClient } from "../../adapters/sql/client.js";
import { migrate } from "../../adapters/sql/migrations.js";
import { anonymousPrincipal, createEngine } from "../../core/index.js";
import { createOutboxRelay } from "edd/pipeline";
import { bankServices } from "../../examples/bank/services.js";
import type { CliCommand, CliContext } from "../../runtimes/cli/context.js";
import { type DataTools, sqlDataTools } from "../../runtimes/cli/data-tools.js";

/** What the data commands (export, import, verify, anchor, prune) run against in tests. */
export const realm = anonymousPrincipal.realm;

/** A fresh embedded PGlite database with the edd schema; `clients` collects it for closing. */
export async function pgliteTools(clients: SqlClient[], schema = "edd"): Promise<DataTools> {
  const client = await createPgliteClient();
  clients.push(client);
  await migrate(client, schema);
  return sqlDataTools(client, schema, false);
}

/** Another empty schema in a PGlite database already open (starting one takes seconds); closing it closes nothing. */
export async function pgliteSchemaTools(client: SqlClient): Promise<DataTools & { readonly schema: string }> {
  const schema = `t_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await migrate(client, schema);
  return { ...sqlDataTools(client, schema, false), schema, close: async () => {} };
}

/** Accounts with identities, deposits, a withdrawal, a transfer carried by effects, and a rejection. */
export async function bankScenario(tools: Pick<DataTools, "store">): Promise<void> {
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

/** Runs a CLI command against the given tools (never closing them); returns the exit code and what it printed. */
export async function runCli(command: CliCommand, tools: DataTools, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const context: CliContext = {
    config: { services: bankServices, ...{ openDataTools: async () => ({ ...tools, close: async () => {} }) } },
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
