import type { Logger } from "../../ports/logger.js";
import { type ObjectStore, ObjectRefRefusedError } from "../../ports/object-store.js";
import type { Engine } from "../engine.js";
import { resolveLargeCommand } from "./large-commands.js";
import { queuePrincipal } from "./relay.js";
import { storableMessage, storableText } from "../../model/storable.js";
import { classifyFailure } from "../../model/failures.js";
import type { DispatchResult } from "../../model/result.js";
import { traceContextOf } from "../../ports/trace-context.js";

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
  /** The platform's id of the message, for the dead-letter warning. */
  readonly messageId?: string;
  /** Whether the queue keeps one ordering key in order (default true); see failures.ts. */
  readonly ordered?: boolean;
  /** Where the one warning per dead letter goes. */
  readonly logger?: Logger;
  /** The W3C traceparent the message carried as an attribute; the command continues that trace. */
  readonly traceparent?: string;
  /** The W3C tracestate it carried beside the traceparent. */
  readonly tracestate?: string;
}

/**
 * What the consumer must tell its platform:
 * - `done`: acknowledge / delete / complete;
 * - `retry`: a transient failure (conflict, fault, store outage): nack so the platform redelivers and, past its limit, dead-letters;
 * - `dead-lettered`: permanently bad (see failures.ts): already stored in dead letters (and logged once), acknowledge.
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
  const read = await readQueuedBody(message);
  if (read.outcome === "retry") return read;
  if (read.outcome === "dead-letter") return deadLetter(engine, message, realm, undefined, read.error);
  const body = read.body;
  let result: DispatchResult;
  try {
    const trace = traceContextOf(message.traceparent, message.tracestate);
    result = await engine.command(body, queuePrincipal(realm), { trusted: true, ...trace });
  } catch (error) {
    return { outcome: "retry", reason: error instanceof Error ? error.message : String(error) };
  }
  if (result.status < 300) return { outcome: "done", result };
  const error = "error" in result.body ? result.body.error : { code: "internal-error", message: "unknown failure" };
  if (classifyFailure(result, { ordered: message.ordered ?? true }) === "transient") {
    return { outcome: "retry", result, reason: `${error.code}: ${error.message}` };
  }
  return deadLetter(engine, message, realm, body, { code: error.code, message: error.message });
}

type ReadBody =
  | { readonly outcome: "parsed"; readonly body: unknown }
  | { readonly outcome: "retry"; readonly reason: string }
  | { readonly outcome: "dead-letter"; readonly error: { code: string; message: string } };

/** The command request a message stands for: parsed, with a large-command reference resolved. */
async function readQueuedBody(message: QueuedCommand): Promise<ReadBody> {
  // Some hosts (Azure Functions v4) hand JSON bodies over already parsed.
  const text = typeof message.body === "string" ? message.body : largeReferenceText(message.body);
  if (text === undefined) return { outcome: "parsed", body: message.body };
  let resolved: string;
  try {
    resolved = await resolveLargeCommand(text, message.objectStore);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // A reference this store refuses (other bucket, unsafe key) stays refused on every delivery.
    if (error instanceof ObjectRefRefusedError) return { outcome: "dead-letter", error: { code: "refused-object-ref", message: reason } };
    // A store outage, a missing object or a missing configuration: retrying loses nothing.
    return { outcome: "retry", reason };
  }
  try {
    return { outcome: "parsed", body: JSON.parse(resolved) };
  } catch {
    return { outcome: "dead-letter", error: { code: "malformed-json", message: "The message body is not valid JSON." } };
  }
}

/** A parsed body that is a large-command reference, as JSON text to resolve; undefined for anything else. */
function largeReferenceText(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("eddLargeCommand" in body)) return undefined;
  return JSON.stringify({ eddLargeCommand: (body as { eddLargeCommand: unknown }).eddLargeCommand });
}

async function deadLetter(
  engine: Engine,
  message: QueuedCommand,
  realm: string,
  parsed: unknown,
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
  engine.metrics.count("edd.dead_letters", { "edd.source": message.source });
  // One line per dead letter, on every platform: what an operator needs to find it and its cause.
  message.logger?.warn("queued command dead-lettered", {
    deadLetterId,
    source: message.source,
    ...(message.messageId === undefined ? {} : { messageId: message.messageId }),
    realm: storableText(realm),
    ...requestIds(parsed ?? message.body),
    code: error.code,
    reason: error.message,
  });
  return { outcome: "dead-lettered", deadLetterId, reason: `${error.code}: ${error.message}` };
}

/** Ids, breadcrumbs and target of a command request, as far as the body has them (it may be anything). */
export function requestIds(body: unknown): Record<string, unknown> {
  const record = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const text = (value: unknown) => (typeof value === "string" ? storableText(value.slice(0, 200)) : undefined);
  const first = Array.isArray(record.commands) ? (record.commands[0] as Record<string, unknown> | undefined) : undefined;
  const target = first === undefined || typeof first !== "object" || first === null ? undefined : first;
  const fields: Record<string, unknown> = {
    requestId: text(record.requestId),
    interactionId: text(record.interactionId),
    breadcrumbs: Array.isArray(record.breadcrumbs) ? record.breadcrumbs.slice(0, 50).map(String).join(".") : undefined,
    target:
      target === undefined
        ? undefined
        : [text(target.service), text(target.command), text(target.aggregateId)].filter((part) => part !== undefined).join("/"),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== ""));
}
