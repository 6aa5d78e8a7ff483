import { generateKeyPairSync, randomBytes } from "node:crypto";
import { anchorSignerFromPem, anchorVerifierFromPem, sha256 } from "../adapters/ed25519/index.js";
import { createPostgresClient } from "../adapters/postgres/index.js";
import { eventHash, verifyChain } from "../adapters/sql/hash.js";
import { sqlImporter } from "../adapters/sql/importer.js";
import { migrate } from "../adapters/sql/migrations.js";
import { sqlRequestLogPruner } from "../adapters/sql/prune.js";
import { SqlStore } from "../adapters/sql/store.js";
import { collectAnchorLeaves, createAnchor, readAnchor } from "../core/pipeline/operations/anchor.js";
import { eventLine } from "../core/pipeline/operations/export.js";
import { importRealm } from "../core/pipeline/operations/import.js";
import { pruneRequestLog } from "../core/pipeline/operations/prune.js";
import { compareWithAnchor } from "../core/pipeline/operations/verify-anchor.js";
import { accounts } from "../examples/bank/services.js";
import type { BenchReport } from "./run.js";

/**
 * `edd import`, `edd anchor`, `edd verify --anchor`'s comparison and `edd prune` on local
 * PostgreSQL, over a synthetic bank realm. Anchoring is set against a floor: reading the same
 * feed through the store without hashing or signing anything.
 */
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const accountCount = 10_000;
const eventsPerAccount = 5;
const logEntries = 50_000;
const realm = "history";

/** An export file of the realm, in memory: each account opened, then deposits, interleaved. */
function exportFile(): string[] {
  const meta = { breadcrumbs: [0], command: "Bench", interactionId: "i", invocationId: "v", requestId: "q", user: "bench" };
  const heads = new Map<string, string | null>();
  const lines = [JSON.stringify({ kind: "header", format: "edd.realm-export", version: 1, realm })];
  const time = new Date(Date.UTC(2026, 0, 1)).toISOString();
  for (let sequence = 1; sequence <= eventsPerAccount; sequence++) {
    for (let i = 0; i < accountCount; i++) {
      const aggregateId = `acc-${String(i).padStart(6, "0")}`;
      const body =
        sequence === 1
          ? { type: "AccountOpened", data: { owner: `${aggregateId}@example.com` } }
          : { type: "Deposited", data: { amount: sequence } };
      const fields = { realm, service: "accounts", aggregateId, sequence, ...body, meta, time };
      const hash = eventHash(heads.get(aggregateId) ?? null, fields);
      heads.set(aggregateId, hash);
      lines.push(eventLine({ ...fields, hash }));
    }
  }
  lines.push(JSON.stringify({ kind: "end", events: accountCount * eventsPerAccount, identities: 0 }));
  return lines;
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - started) / 1000 };
}

export async function run(): Promise<BenchReport> {
  const schema = `edd_bench_${randomBytes(4).toString("hex")}`;
  const client = createPostgresClient({ connectionString: databaseUrl, poolSize: 8 });
  try {
    await migrate(client, schema);
    const store = new SqlStore(client, { schema });
    const lines = exportFile();
    const events = accountCount * eventsPerAccount;
    const imported = await timed(() =>
      importRealm({
        open: async function* () {
          yield* lines;
        },
        realm,
        services: [accounts],
        importer: sqlImporter(client, { schema }),
        hashEvent: eventHash,
      }),
    );

    const floor = await timed(async () => {
      let read = 0;
      let checkpoint: string | undefined;
      for (;;) {
        const page = await store.readFeed(realm, checkpoint, 1000);
        if (page.events.length === 0) return read;
        read += page.events.length;
        checkpoint = page.checkpoint;
      }
    });
    const keys = generateKeyPairSync("ed25519", {
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const anchored = await timed(async () => {
      const leaves = await collectAnchorLeaves({ store, realm, hashEvent: eventHash });
      return createAnchor({ realm, leaves, createdAt: new Date().toISOString(), signer: anchorSignerFromPem(keys.privateKey), sha256 });
    });
    const text = `${anchored.result.lines.join("\n")}\n`;
    const compared = await timed(async () => {
      const anchor = readAnchor(text, { verifier: anchorVerifierFromPem(keys.publicKey), sha256 });
      return compareWithAnchor({ store, anchor, checkChain: verifyChain });
    });
    if (floor.result !== events || compared.result.length > 0)
      throw new Error("history bench: the imported realm did not read back intact");

    await client.query(
      `INSERT INTO "${schema}".request_log (realm, request_id, interaction_id, invocation_id, breadcrumbs, kind, body, received_at)
       SELECT $1, 'r' || n, 'i', 'v', '[0]', 'command', '{}', now() - interval '8 years' FROM generate_series(1, $2::int) AS n`,
      [realm, logEntries],
    );
    const pruned = await timed(() =>
      pruneRequestLog({
        pruner: sqlRequestLogPruner(client, { schema }),
        realm,
        before: new Date(Date.now() - 7 * 366 * 86_400_000).toISOString(),
      }),
    );
    if (pruned.result !== logEntries) throw new Error(`history bench: pruned ${pruned.result} of ${logEntries}`);

    const rate = (count: number, seconds: number) => Math.round(count / seconds);
    const results = {
      events,
      aggregates: accountCount,
      importEventsPerSecond: rate(events, imported.seconds),
      feedReadEventsPerSecond: rate(events, floor.seconds),
      anchorEventsPerSecond: rate(events, anchored.seconds),
      anchorBytes: Buffer.byteLength(text),
      compareAggregatesPerSecond: rate(accountCount, compared.seconds),
      pruneEntriesPerSecond: rate(logEntries, pruned.seconds),
    };
    const markdown = [
      "## import, anchor, verify --anchor and prune (PostgreSQL)",
      "",
      `A synthetic bank realm: ${accountCount} accounts × ${eventsPerAccount} events; ${logEntries} request-log entries past the retention.`,
      "",
      "| measure | count | per second |",
      "| --- | ---: | ---: |",
      `| \`edd import\` (check pass, target check, one transaction) | ${events} events | ${results.importEventsPerSecond} |`,
      `| floor: read the feed through the store | ${events} events | ${results.feedReadEventsPerSecond} |`,
      `| \`edd anchor\` (feed, chain check, Merkle root, Ed25519) | ${events} events | ${results.anchorEventsPerSecond} |`,
      `| \`verify --anchor\` comparison (anchor proof + per-aggregate read) | ${accountCount} aggregates | ${results.compareAggregatesPerSecond} |`,
      `| \`edd prune\` (batches of 1,000) | ${logEntries} entries | ${results.pruneEntriesPerSecond} |`,
      "",
      `Anchoring runs at ${(results.anchorEventsPerSecond / results.feedReadEventsPerSecond).toFixed(2)}× the floor's rate; the anchor file is ${Math.round(results.anchorBytes / accountCount)} bytes per aggregate.`,
      "",
    ].join("\n");
    return { name: "history", results, markdown };
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await client.close();
  }
}
