// Test-only: a bank engine on a MemoryStore with the explorer mounted, and principals chosen per request.
import type { Hono } from "hono";
import { z } from "zod";
import { memoryBackend } from "../../adapters/memory/backend.js";
import type { MemoryStore } from "../../adapters/memory/index.js";
import { createEngine, defineService, type Engine } from "../../core/index.js";
import type { Authenticator } from "../../core/ports/auth.js";
import type { Backend } from "../../core/ports/backend.js";
import type { Store } from "../../core/ports/store.js";
import { bankServices } from "../../examples/bank/services.js";
import { createHttpApp } from "../../runtimes/http/app.js";
import { mountExplorer } from "../../runtimes/explorer/index.js";
import type { ExplorerOptions } from "../../runtimes/explorer/options.js";

/** A service whose events carry free text, to prove stored data is shown as text. */
export const notes = defineService<{ text: string }>("notes", { initialState: () => ({ text: "" }) })
  .event("Written", z.object({ text: z.string() }), (_state, e) => ({ text: e.text }))
  .command("Write", { schema: z.object({ text: z.string() }), handle: (c) => [{ type: "Written", data: c }] })
  .build();

/** `Authorization: Bearer <id>/<realm>/<role,role>`: enough to test refusals without signing tokens. */
const testAuthenticator: Authenticator = async ({ headers }) => {
  const match = /^Bearer ([^/]+)\/([^/]+)\/(.*)$/.exec(headers.authorization ?? "");
  if (match === null) return { ok: false, code: "unauthenticated", message: "Send a test token." };
  const [, id, realm, roles] = match as unknown as [string, string, string, string];
  return { ok: true, principal: { id, realm, roles: roles.split(",").filter((role) => role !== "") } };
};

export const operator = "Bearer olga/default/operator";

export interface ExplorerFixture<S extends Store = MemoryStore> {
  readonly store: S;
  readonly engine: Engine;
  readonly app: Hono;
  /** Sends a command request as a bank clerk and returns the status; ids are fresh unless given. */
  command(commands: readonly object[], ids?: { requestId?: string; interactionId?: string }): Promise<number>;
  get(path: string, authorization?: string): Promise<Response>;
  post(path: string, headers?: Record<string, string>): Promise<Response>;
}

/** The explorer on a memory backend, or on the given one (its store and audit reader). */
export function explorerFixture(overrides?: Partial<ExplorerOptions>): ExplorerFixture;
export function explorerFixture<S extends Store>(
  overrides: Partial<ExplorerOptions>,
  backend: Pick<Backend, "audit"> & { readonly store: S },
): ExplorerFixture<S>;
export function explorerFixture(
  overrides: Partial<ExplorerOptions> = {},
  backend: Pick<Backend, "audit" | "store"> = memoryBackend(),
): ExplorerFixture<Store> {
  const { store, audit } = backend;
  const engine = createEngine({ services: [...bankServices, notes], store, authenticator: testAuthenticator });
  const app = mountExplorer(createHttpApp(engine), { engine, audit, ...overrides });
  const host = "explorer.test";
  return {
    store,
    engine,
    app,
    async command(commands, ids = {}) {
      const body = { requestId: crypto.randomUUID(), interactionId: crypto.randomUUID(), ...ids, commands };
      const response = await app.request("/command", {
        method: "POST",
        headers: { authorization: "Bearer clara/default/", "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return response.status;
    },
    get: async (path, authorization = operator) => app.request(`http://${host}${path}`, { headers: { authorization, host } }),
    post: async (path, headers = { origin: `http://${host}` }) =>
      app.request(`http://${host}${path}`, { method: "POST", headers: { authorization: operator, host, ...headers } }),
  };
}

export const open = (id: string, owner: string) => ({ command: "OpenAccount", aggregateId: id, attributes: { owner } });
export const deposit = (id: string, amount: number) => ({ command: "Deposit", aggregateId: id, attributes: { amount } });
export const withdraw = (id: string, amount: number) => ({ command: "Withdraw", aggregateId: id, attributes: { amount } });

const entities: Record<string, string> = { "&quot;": '"', "&#39;": "'", "&lt;": "<", "&gt;": ">", "&amp;": "&" };

/** The text of a page as a reader sees it: tags removed, entities decoded, whitespace squeezed. */
export function visibleText(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&(quot|#39|lt|gt|amp);/g, (entity) => entities[entity] ?? entity)
    .replace(/\s+/g, " ");
}
