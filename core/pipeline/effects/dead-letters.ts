import type { ObjectStore } from "../../ports/object-store.js";
import type { DeadLetter } from "../../ports/store.js";
import type { Engine } from "../engine.js";
import { resolveLargeCommand } from "./large-commands.js";
import { queuePrincipal, systemPrincipal } from "./relay.js";
import type { DispatchResult } from "../../model/result.js";

export type RedriveOutcome =
  | { readonly outcome: "applied"; readonly result: DispatchResult }
  | { readonly outcome: "failed"; readonly result: DispatchResult }
  | { readonly outcome: "not-found" };

/** Finds a dead letter by id, in one realm or in all. */
export async function findDeadLetter(engine: Engine, id: string, realm?: string): Promise<DeadLetter | undefined> {
  return (await engine.store.listDeadLetters(realm)).find((letter) => letter.id === id);
}

/**
 * Recovery is one command: re-dispatch a dead letter through the normal pipeline and remove it on success.
 * The message keeps its request id and breadcrumbs, so a command that succeeded meanwhile
 * is answered from the response store and not applied twice.
 */
export async function redriveDeadLetter(
  engine: Engine,
  id: string,
  realm?: string,
  options: { readonly objectStore?: ObjectStore } = {},
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
  await engine.store.removeDeadLetter(letter.id);
  return { outcome: "applied", result };
}

function parseOrKeep(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
