import { randomBytes } from "node:crypto";
import { memoryAuditReader } from "../adapters/memory/audit.js";
import { MemoryStore } from "../adapters/memory/index.js";
import { createPostgresClient } from "../adapters/postgres/index.js";
import { sqlAuditReader } from "../adapters/sql/audit.js";
import { migrate } from "../adapters/sql/migrations.js";
import { SqlStore } from "../adapters/sql/store.js";
import { createEngine, type Store } from "../core/index.js";
import type { AuditReader } from "../core/ports/audit.js";
import { bankServices } from "../examples/bank/services.js";
import { mountExplorer } from "../runtimes/explorer/index.js";
import { createHttpApp } from "../runtimes/http/app.js";
import type { BenchReport } from "./run.js";
import { dropSchemas } from "./schemas.js";

/**
 * Opening an account's timeline in the audit explorer: 10,000 events against 100 (one page), on
 * the memory store and on local PostgreSQL. The first open of each is cold (nothing compiled or
 * cached yet); then the median of five.
 */
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const operator = { id: "bench", realm: "default", roles: ["operator"] };

async function seed(store: Store, audit: AuditReader) {
  const engine = createEngine({ services: bankServices, store, authenticator: async () => ({ ok: true, principal: operator }) });
  const send = async (commands: readonly object[]) => {
    const answer = await engine.command({ requestId: crypto.randomUUID(), interactionId: crypto.randomUUID(), commands }, operator);
    if (answer.status !== 200) throw new Error(`seeding failed: ${answer.status}`);
  };
  for (const [id, events] of [
    ["long", 10_000],
    ["short", 100],
  ] as const) {
    await send([{ command: "OpenAccount", aggregateId: id, attributes: { owner: `${id}@example.com` } }]);
    for (let done = 1; done < events; done += 100) {
      const count = Math.min(100, events - done);
      await send(Array.from({ length: count }, () => ({ command: "Deposit", aggregateId: id, attributes: { amount: 1 } })));
    }
  }
  const app = mountExplorer(createHttpApp(engine), { engine, audit });
  return async (id: string) => {
    const started = performance.now();
    const response = await app.request(`http://explorer.bench/_edd/aggregates/accounts/${id}`, { headers: { host: "explorer.bench" } });
    await response.text();
    if (response.status !== 200) throw new Error(`explorer answered ${response.status}`);
    return performance.now() - started;
  };
}

async function measure(open: (id: string) => Promise<number>) {
  const result: Record<string, { coldMs: number; medianMs: number }> = {};
  for (const id of ["short", "long"]) {
    const coldMs = await open(id);
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) runs.push(await open(id));
    runs.sort((a, b) => a - b);
    result[id] = { coldMs: Math.round(coldMs), medianMs: Math.round(runs[2] as number) };
  }
  return result;
}

export async function run(): Promise<BenchReport> {
  const memory = new MemoryStore();
  const results: Record<string, Record<string, { coldMs: number; medianMs: number }>> = {
    memory: await measure(await seed(memory, memoryAuditReader(memory))),
  };
  const schema = `edd_bench_explorer_${randomBytes(4).toString("hex")}`;
  const client = createPostgresClient({ connectionString: databaseUrl });
  try {
    await migrate(client, schema);
    results.postgres = await measure(await seed(new SqlStore(client, { schema }), sqlAuditReader(client, { schema })));
  } finally {
    await client.close();
    await dropSchemas(databaseUrl, [schema]);
  }
  const rows = Object.entries(results).map(([store, r]) => {
    const ratio = ((r.long?.medianMs ?? 0) / Math.max(1, r.short?.medianMs ?? 1)).toFixed(1);
    return `| ${store} | ${r.short?.coldMs} / ${r.short?.medianMs} | ${r.long?.coldMs} / ${r.long?.medianMs} | ${ratio}× |`;
  });
  const markdown = [
    "## Audit explorer: opening a long timeline",
    "",
    "An account's timeline page (latest 100 events, state chart, hash chain checked) over HTTP in process. Milliseconds, cold (first open) / median of five.",
    "",
    "| Store | 100 events | 10,000 events | 10,000 vs 100 (median) |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
  return { name: "explorer", results, markdown };
}
