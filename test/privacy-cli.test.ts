import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSqlKeyStore } from "../adapters/key-store-sql/open.js";
import { openSqlBackendFromEnv } from "../adapters/sql/from-env.js";
import { erasedMarker } from "../core/privacy/index.js";
import { bankServices } from "../examples/bank/services.js";
import { accountSummaries, accountSummaryView } from "../examples/bank/views.js";
import type { CliContext } from "../runtimes/cli/context.js";
import { forgetCommand } from "../runtimes/cli/forget.js";
import { verifyCommand } from "../runtimes/cli/verify.js";
import { anaEmail, bobEmail, openAndTransfer, privateBank, realm } from "./support/privacy-bank.js";

const dataDir = mkdtempSync(join(tmpdir(), "edd-forget-"));
const env = { EDD_DATA_DIR: dataDir, EDD_MASTER_KEY: randomBytes(32).toString("hex") };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function run(command: typeof forgetCommand, args: readonly string[], environment: NodeJS.ProcessEnv = env) {
  const out: string[] = [];
  const err: string[] = [];
  const context: CliContext = {
    config: { services: bankServices, projections: [accountSummaries] },
    env: environment,
    out: (line) => out.push(line),
    err: (text) => err.push(text),
    json: true,
  };
  const code = await command(args, context);
  return { code, out: out.join("\n"), err: err.join("") };
}

/** The owner in an account's view document, opened through the bank's sealing views. */
async function openedOwner(stores: Awaited<ReturnType<typeof openSqlBackendFromEnv>>, id: string): Promise<unknown> {
  const keys = await openSqlKeyStore(stores.sql.client, { schema: stores.sql.schema, env });
  return (await privateBank(stores.store, stores.views, keys).views.get(realm, accountSummaryView, id))?.data.owner;
}

describe("edd forget (PGlite, the default store)", { timeout: 120_000 }, () => {
  it("erases the subject, keeps the other, and edd verify passes before and after", async () => {
    const stores = await openSqlBackendFromEnv(env);
    try {
      const keys = await openSqlKeyStore(stores.sql.client, { schema: stores.sql.schema, env });
      await openAndTransfer(privateBank(stores.store, stores.views, keys));
    } finally {
      await stores.close();
    }
    expect(JSON.parse((await run(verifyCommand, ["--realm", realm])).out)).toMatchObject({ ok: true, problems: [] });

    const forgotten = await run(forgetCommand, ["--realm", realm, "--subject", "acc-ana", "--operator", "dpo"]);
    expect(forgotten.err).toBe("");
    expect(forgotten.code).toBe(0);
    expect(JSON.parse(forgotten.out)).toMatchObject({ subject: "acc-ana", keysDestroyed: 1, identitiesReleased: 1, viewsRewritten: 1 });

    const verified = await run(verifyCommand, ["--realm", realm]);
    expect(JSON.parse(verified.out)).toMatchObject({ ok: true, problems: [] });
    expect(verified.code).toBe(0);

    const reopened = await openSqlBackendFromEnv(env);
    try {
      const ana = await reopened.views.get(realm, accountSummaryView, "acc-ana");
      expect(ana?.data.owner).toBe(erasedMarker);
      // Bob's owner is sealed in the view, and opens with the key store.
      expect(JSON.stringify(await reopened.views.get(realm, accountSummaryView, "acc-bob"))).not.toContain(bobEmail);
      expect(await openedOwner(reopened, "acc-bob")).toBe(bobEmail);
      const rows = await reopened.sql.client.query<{ row: string }>(`SELECT e::text AS row FROM "edd".events e`);
      expect(rows.map((r) => r.row).join("\n")).not.toContain(anaEmail);
    } finally {
      await reopened.close();
    }
  });

  it("refuses without a subject (usage, exit 2) and without a key store (exit 3), changing nothing", async () => {
    const usage = await run(forgetCommand, ["--realm", realm]);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain("--subject is required");
    const reserved = await run(forgetCommand, ["--realm", realm, "--subject", "edd:identities"]);
    expect(reserved.code).toBe(2);
    const keyless = await run(forgetCommand, ["--realm", realm, "--subject", "acc-bob"], { EDD_DATA_DIR: dataDir });
    expect(keyless.code).toBe(3);
    expect(keyless.err).toContain("EDD_MASTER_KEY");
    const stores = await openSqlBackendFromEnv(env);
    try {
      expect(await openedOwner(stores, "acc-bob")).toBe(bobEmail);
    } finally {
      await stores.close();
    }
  });
});
