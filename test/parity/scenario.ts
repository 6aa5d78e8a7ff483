/**
 * The one script every runtime must answer identically: the same HTTP calls and queued messages,
 * sent in each platform's native form by a driver.
 */

export interface HttpCall {
  readonly method: "GET" | "POST" | "PUT";
  /** Path with an optional query string, e.g. "/query?request=…". */
  readonly path: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Send the body base64-encoded, as API Gateway does for binary media types. */
  readonly base64?: boolean;
}

export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: unknown;
}

/** A command request as a queue message: the POST /command body, the realm beside it. */
export interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly realm: string;
  /** Ordering key: the aggregate the message is about (FIFO group, session, ordering key). */
  readonly aggregateId: string;
}

/** What the platform does with the message after the runtime answered, in the platform's own terms mapped to two words. */
export type QueueAnswer = "acknowledged" | "redelivered";

/** One runtime in its native form. */
export interface RuntimeDriver {
  http(call: HttpCall): Promise<HttpAnswer>;
  enqueue(message: QueuedMessage): Promise<QueueAnswer>;
  /** Waits until the effects of the last step are delivered; serverless runtimes deliver them before they answer. */
  settle?(): Promise<void>;
  close(): Promise<void>;
}

export type Step = { readonly name: string } & ({ readonly http: HttpCall } | { readonly queue: QueuedMessage });

const ids = {
  open: "10000000-0000-4000-8000-000000000001",
  deposit: "10000000-0000-4000-8000-000000000002",
  withdraw: "10000000-0000-4000-8000-000000000003",
  unknown: "10000000-0000-4000-8000-000000000004",
  queued: "10000000-0000-4000-8000-000000000005",
  openSecond: "10000000-0000-4000-8000-000000000006",
  transfer: "10000000-0000-4000-8000-000000000007",
  interaction: "20000000-0000-4000-8000-000000000001",
};

function command(requestId: string, command: string, attributes: Record<string, unknown>, aggregateId = "acc-1"): string {
  return JSON.stringify({ requestId, interactionId: ids.interaction, commands: [{ command, aggregateId, attributes }] });
}

const json = { "Content-Type": "application/json" };
const getAccount = JSON.stringify({ query: { query: "GetAccount", attributes: { id: "acc-1" } } });
const getTransfer = JSON.stringify({ query: { query: "GetTransfer", attributes: { id: "t-1" } } });

export const scenario: readonly Step[] = [
  { name: "health", http: { method: "GET", path: "/health" } },
  {
    name: "open account",
    http: { method: "POST", path: "/command", headers: json, body: command(ids.open, "OpenAccount", { owner: "ada@example.com" }) },
  },
  { name: "deposit", http: { method: "POST", path: "/command", headers: json, body: command(ids.deposit, "Deposit", { amount: 100 }) } },
  {
    name: "rejected withdrawal",
    http: { method: "POST", path: "/command", headers: json, body: command(ids.withdraw, "Withdraw", { amount: 500 }) },
  },
  { name: "query", http: { method: "POST", path: "/query", headers: json, body: getAccount } },
  {
    name: "duplicate request id",
    http: { method: "POST", path: "/command", headers: json, body: command(ids.deposit, "Deposit", { amount: 100 }) },
  },
  {
    name: "open second account",
    http: {
      method: "POST",
      path: "/command",
      headers: json,
      body: command(ids.openSecond, "OpenAccount", { owner: "bo@example.com" }, "acc-2"),
    },
  },
  {
    name: "transfer (effects)",
    http: {
      method: "POST",
      path: "/command",
      headers: json,
      body: command(ids.transfer, "RequestTransfer", { from: "acc-1", to: "acc-2", amount: 30 }, "t-1"),
    },
  },
  { name: "transfer completed", http: { method: "POST", path: "/query", headers: json, body: getTransfer } },
  { name: "unknown command", http: { method: "POST", path: "/command", headers: json, body: command(ids.unknown, "PayInterest", {}) } },
  { name: "malformed body", http: { method: "POST", path: "/command", headers: json, body: '{"requestId": ' } },
  {
    name: "queued command",
    queue: { messageId: "msg-1", body: command(ids.queued, "Deposit", { amount: 50 }), realm: "default", aggregateId: "acc-1" },
  },
  { name: "malformed queued message", queue: { messageId: "msg-2", body: "{oops", realm: "default", aggregateId: "acc-1" } },
  { name: "cacheable query", http: { method: "GET", path: `/query?request=${encodeURIComponent(getAccount)}` } },
];

/** The answer of every step, in order; the same for every runtime once generated ids are masked. */
export async function runScenario(driver: RuntimeDriver): Promise<{ name: string; answer: HttpAnswer | QueueAnswer }[]> {
  const transcript: { name: string; answer: HttpAnswer | QueueAnswer }[] = [];
  for (const step of scenario) {
    const answer = "http" in step ? await driver.http(step.http) : await driver.enqueue(step.queue);
    await driver.settle?.();
    transcript.push({ name: step.name, answer });
  }
  return transcript;
}
