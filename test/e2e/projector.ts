/**
 * A live projector as the projection crash test runs it in a child process: the bank's
 * `accountSummaries` projection over the SQL stores at $DATABASE_URL / $EDD_SCHEMA, stepped with
 * `runOnce()` until a step reads nothing. One JSON line per step on stdout
 * (`{"step":n,"events":e,"written":w,"advanced":a}`), then `{"caughtUp":true,"steps":n,"events":total}`
 * and exit 0. The test SIGKILLs it mid-stream and starts it again on the same schema.
 *
 * Env: DATABASE_URL, EDD_SCHEMA (as adapters/sql/from-env.ts reads them), EDD_E2E_REALM
 * (default "bank"), EDD_E2E_BATCH (events per step, default 25), EDD_E2E_HALT_AFTER_WRITE=n
 * (optional: once the n-th view write has landed, announce `{"halted":"after-write",...}` and
 * freeze before the checkpoint moves, so the test can SIGKILL it exactly there). The process exits
 * when its stdin closes, so it never outlives a test runner that died.
 */
import { createProjector } from "../../core/pipeline/projections/projection.js";
import type { ViewStore } from "../../core/ports/view-store.js";
import { accountSummaries } from "../../examples/bank/views.js";
import { openSqlBackendFromEnv } from "../../adapters/sql/from-env.js";

const announce = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

const env = process.env;
// The parent holds our stdin open: when it dies, stdin ends, and so do we.
process.stdin.once("end", () => process.exit(1)).resume();

const stores = await openSqlBackendFromEnv(env);
const haltAfterWrite = env.EDD_E2E_HALT_AFTER_WRITE ? Number(env.EDD_E2E_HALT_AFTER_WRITE) : undefined;
const projector = createProjector({
  store: stores.store,
  views: haltAfterWrite === undefined ? stores.views : haltingAfterWrite(stores.views, haltAfterWrite),
  checkpoints: stores.checkpoints,
  projection: accountSummaries,
  realm: env.EDD_E2E_REALM || "bank",
  batchSize: Number(env.EDD_E2E_BATCH || 25),
});

let steps = 0;
let total = 0;
for (;;) {
  const step = await projector.runOnce();
  if (step.events === 0) break;
  steps += 1;
  total += step.events;
  announce({ step: steps, events: step.events, written: step.written, advanced: step.advanced });
}
announce({ caughtUp: true, steps, events: total });
await stores.close();
// stdin is still being read (see above), so leave explicitly.
process.exit(0);

/** The view store, except that the n-th write, once landed, never returns: the step freezes before its checkpoint moves. */
function haltingAfterWrite(views: ViewStore, n: number): ViewStore {
  let writes = 0;
  const write: ViewStore["write"] = async (...args) => {
    const landed = await views.write(...args);
    writes += 1;
    if (writes < n) return landed;
    announce({ halted: "after-write", write: writes, landed: landed.length });
    return new Promise<never>(() => {});
  };
  return new Proxy(views, {
    get(target, property) {
      if (property === "write") return write;
      const value: unknown = Reflect.get(target, property);
      // PostgresViewStore keeps its client in private fields: call its methods on the real object.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
