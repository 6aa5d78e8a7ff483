import type { ObjectStore } from "../../ports/object-store.js";
import type { DeadLetter, DeadLetterFilter } from "../../ports/store.js";
import type { Engine } from "../engine.js";
import { resolveLargeCommand } from "./large-commands.js";
import { queuePrincipal, systemPrincipal } from "./relay.js";
import type { DispatchResult } from "../../model/result.js";

export type RedriveOutcome =
  | { readonly outcome: "applied"; readonly result: DispatchResult }
  | { readonly outcome: "failed"; readonly result: DispatchResult }
  | { readonly outcome: "not-found" };

/** Finds an open dead letter by id, in one realm or in all; resolved ones too when asked. */
export async function findDeadLetter(
  engine: Pick<Engine, "store">,
  id: string,
  realm?: string,
  filter: DeadLetterFilter = {},
): Promise<DeadLetter | undefined> {
  return (await engine.store.listDeadLetters(realm, filter)).find((letter) => letter.id === id);
}

export interface ResolveOptions {
  /** Who decided: the operator's principal id, or the CLI user. */
  readonly operator: string;
  readonly now?: () => Date;
}

/** Discards an open dead letter: it stays in the history marked discarded, by whom and when. */
export async function discardDeadLetter(engine: Pick<Engine, "store">, id: string, realm: string | undefined, options: ResolveOptions) {
  const letter = await findDeadLetter(engine, id, realm);
  if (letter === undefined) return false;
  return engine.store.resolveDeadLetter(letter.id, { outcome: "discarded", operator: options.operator, at: nowOf(options) });
}

const nowOf = (options: ResolveOptions) => (options.now ?? (() => new Date()))().toISOString();

/**
 * Recovery is one command: re-dispatch a dead letter through the normal pipeline and, on success,
 * mark it redriven (it stays in the history).
 * The message keeps its request id and breadcrumbs, so a command that succeeded meanwhile
 * is answered from the response store and not applied twice.
 */
export async function redriveDeadLetter(
  engine: Engine,
  id: string,
  realm: string | undefined,
  options: ResolveOptions & { readonly objectStore?: ObjectStore },
): Promise<RedriveOutcome> {
  const letter = await findDeadLetter(engine, id, realm);
  if (letter === undefined) return { outcome: "not-found" };
  // A queue dead letter keeps the raw body, which may be a large-command reference: resolve it as the worker would.
  const body =
    typeof letter.message === "string" ? parseOrKeep(await resolveLargeCommand(letter.message, options.objectStore)) : letter.message;
  // It runs as what would have delivered it: the effects relay for an outbox letter, the queue consumer otherwise.
  const principal = letter.source === "outbox" ? systemPrincipal(letter.realm) : queuePrincipal(letter.realm);
  const result = await engine.command(body, principal, { trusted: true });
  if (result.status >= 300) return { outcome: "failed", result };
  await engine.store.resolveDeadLetter(letter.id, { outcome: "redriven", operator: options.operator, at: nowOf(options) });
  return { outcome: "applied", result };
}

function parseOrKeep(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
