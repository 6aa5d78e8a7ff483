import type { ObjectStore } from "../../ports/object-store.js";
import type { Engine } from "../engine.js";
import { resolveLargeCommand } from "./large-commands.js";
import { systemPrincipal } from "./relay.js";
import { storableMessage, storableText } from "../../model/storable.js";
import { type DispatchResult, isTransient } from "../../model/result.js";

/** A command request as it arrives from any queue: the same JSON as a `POST /command` body. */
export interface QueuedCommand {
  /** The raw message body (a JSON string), or an already parsed object. */
  readonly body: string | unknown;
  /** The realm the message belongs to, carried beside the body (attribute `edd-realm`); default "default". */
  readonly realm?: string;
  /** Where it came from, for the dead-letter record, e.g. "sqs:commands.fifo". */
  readonly source: string;
  /** How often the platform has delivered it, counting this time. */
  readonly attempt?: number;
  /** Where bodies too large for the queue were put; the message then carries a reference. */
  readonly objectStore?: ObjectStore;
}

/**
 * What the consumer must tell its platform:
 * - `done`: acknowledge / delete / complete;
 * - `retry`: a transient failure (conflict, fault): nack so the platform redelivers and, past its limit, dead-letters;
 * - `dead-lettered`: permanently bad (malformed, invalid, rejected): already stored in dead letters, acknowledge.
 */
export type QueueOutcome =
  | { readonly outcome: "done"; readonly result: DispatchResult }
  | { readonly outcome: "retry"; readonly result?: DispatchResult; readonly reason: string }
  | { readonly outcome: "dead-lettered"; readonly deadLetterId: string; readonly reason: string };

/** The realm attribute name every transport uses beside the body. */
export const realmAttribute = "edd-realm";

/** The one queue dispatch every queue consumer (Lambda SQS, Service Bus, Pub/Sub push, Node workers) calls. */
export async function dispatchQueuedCommand(engine: Engine, message: QueuedCommand): Promise<QueueOutcome> {
  const realm = message.realm ?? "default";
  let body: unknown = message.body;
  if (typeof message.body === "string") {
    let text: string;
    try {
      text = await resolveLargeCommand(message.body, message.objectStore);
    } catch (error) {
      // Possibly a store outage or a missing configuration: retrying loses nothing.
      return { outcome: "retry", reason: error instanceof Error ? error.message : String(error) };
    }
    try {
      body = JSON.parse(text);
    } catch {
      return deadLetter(engine, message, realm, { code: "malformed-json", message: "The message body is not valid JSON." });
    }
  }
  let result: DispatchResult;
  try {
    result = await engine.command(body, systemPrincipal(realm), { trusted: true });
  } catch (error) {
    return { outcome: "retry", reason: error instanceof Error ? error.message : String(error) };
  }
  if (result.status < 300) return { outcome: "done", result };
  const error = "error" in result.body ? result.body.error : { code: "internal-error", message: "unknown failure" };
  if (isTransient(result)) return { outcome: "retry", result, reason: `${error.code}: ${error.message}` };
  return deadLetter(engine, message, realm, { code: error.code, message: error.message });
}

async function deadLetter(
  engine: Engine,
  message: QueuedCommand,
  realm: string,
  error: { code: string; message: string },
): Promise<QueueOutcome> {
  const time = new Date().toISOString();
  const deadLetterId = await engine.store.addDeadLetter({
    // A realm attribute with unstorable text was refused (invalid-principal): keep the letter under a cleaned name.
    realm: storableText(realm),
    source: message.source,
    // A message refused for its content may hold text no store can: keep a storable copy.
    message: storableMessage(message.body),
    error,
    attempts: message.attempt ?? 1,
    firstFailedAt: time,
    lastFailedAt: time,
  });
  return { outcome: "dead-lettered", deadLetterId, reason: `${error.code}: ${error.message}` };
}
