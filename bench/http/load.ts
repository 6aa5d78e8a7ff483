import { randomUUID } from "node:crypto";
import autocannon from "autocannon";

/**
 * The out-of-process load generator of the HTTP bench: autocannon with CONNECTIONS keep-alive
 * connections posting deposits to URL for WARMUP_S (not recorded) then DURATION_S seconds.
 * KIND=edd sends edd's command envelope to /command, KIND=hand the hand-written service's body to
 * /deposit. Accounts are taken round-robin, so requests in flight at once name distinct accounts.
 * RATE, when set, holds the load to that many requests per second over all connections.
 * Prints one JSON line: 2xx count, other responses, errors, latency percentiles.
 */
const url = process.env.URL as string;
const kind = process.env.KIND === "hand" ? "hand" : "edd";
const accounts = (process.env.ACCOUNTS ?? "").split(",").filter(Boolean);
const connections = Number(process.env.CONNECTIONS ?? 16);
const rate = process.env.RATE === undefined ? undefined : Number(process.env.RATE);
let next = 0;

function body(): string {
  const account = accounts[next++ % accounts.length] as string;
  const amount = (next % 9) + 1;
  if (kind === "hand") return JSON.stringify({ requestId: randomUUID(), accountId: account, amount });
  return JSON.stringify({
    requestId: randomUUID(),
    interactionId: randomUUID(),
    commands: [{ command: "Deposit", aggregateId: account, attributes: { amount } }],
  });
}

async function load(seconds: number) {
  return autocannon({
    url,
    connections,
    duration: seconds,
    ...(rate === undefined ? {} : { overallRate: rate }),
    requests: [
      {
        method: "POST",
        path: kind === "hand" ? "/deposit" : "/command",
        headers: { "content-type": "application/json" },
        setupRequest: (request) => ({ ...request, body: body() }),
      },
    ],
  });
}

const warmup = await load(Number(process.env.WARMUP_S ?? 1));
const result = await load(Number(process.env.DURATION_S ?? 4));
process.stdout.write(
  `${JSON.stringify({
    ok: result["2xx"],
    warmupOk: warmup["2xx"],
    other: result.non2xx,
    errors: result.errors + result.timeouts,
    seconds: result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  })}\n`,
);
