import { MemoryStore } from "../../adapters/memory/index.js";
import { type Authenticator, createEngine, type Engine, type Store } from "../../core/index.js";
import { createOutboxRelay } from "edd/pipeline";
import { bankServices } from "../../examples/bank/services.js";
import { createHttpApp } from "../../runtimes/http/app.js";
import { commandRequest, queryRequest } from "./requests.js";

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
  readonly body: Record<string, unknown>;
  readonly headers: Headers;
}

/** The bank behind the one HTTP app, with a relay to deliver its effects: what a client sees. */
export function bankOverHttp<S extends Store = MemoryStore>(options: { store?: S; authenticator?: Authenticator } = {}) {
  const store = (options.store ?? new MemoryStore()) as S;
  const engine: Engine = createEngine({
    services: bankServices,
    store,
    ...(options.authenticator === undefined ? {} : { authenticator: options.authenticator }),
  });
  const app = createHttpApp(engine);
  const relay = createOutboxRelay(engine);
  const send = async (method: "GET" | "POST", path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> => {
    const init =
      body === undefined ? { method, headers } : { method, headers, body: typeof body === "string" ? body : JSON.stringify(body) };
    const response = await app.request(path, init);
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown>, headers: response.headers };
  };
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) => send("POST", path, body, headers);
  const command = (name: string, aggregateId: string, attributes: Record<string, unknown>, ids: { requestId?: string } = {}) =>
    post("/command", commandRequest({ command: name, aggregateId, attributes }, ids));
  const query = async (name: string, attributes: Record<string, unknown>) => {
    const answer = await post("/query", queryRequest(name, attributes));
    return answer.body.result as Record<string, unknown> | null;
  };
  const openAccount = async (id: string, deposit = 0) => {
    const opened = await command("OpenAccount", id, { owner: `${id}@example.com` });
    if (opened.status !== 200) throw new Error(`OpenAccount ${id}: ${opened.text}`);
    if (deposit > 0) await command("Deposit", id, { amount: deposit });
  };
  return { store, engine, app, relay, send, post, command, query, openAccount };
}
