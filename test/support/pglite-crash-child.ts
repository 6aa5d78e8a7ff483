import { createPgliteStore } from "../../adapters/pglite/index.js";

/**
 * Commits `count` deposits to PGlite in the folder given as argument, printing each key once its
 * commit resolved, then kills its own process with SIGKILL: nothing is closed or flushed on the way out.
 */
const [dataDir, count] = process.argv.slice(2) as [string, string];
const store = await createPgliteStore({ dataDir });
const meta = { requestId: "r", interactionId: "i", invocationId: "v", breadcrumbs: [0], user: "u", command: "Deposit" };
for (let n = 1; n <= Number(count); n++) {
  await store.commit({
    realm: "crash",
    idempotencyKey: `k${n}`,
    changes: [
      {
        service: "accounts",
        aggregateId: "a",
        expectedVersion: n - 1,
        events: [{ type: "Deposited", data: { amount: n } }],
        meta,
        snapshot: { state: { balance: (n * (n + 1)) / 2 }, version: n },
      },
    ],
    identities: [],
    effects: [],
    response: { status: 200, body: { n } },
    time: new Date().toISOString(),
  });
  process.stdout.write(`committed k${n}\n`);
}
process.kill(process.pid, "SIGKILL");
