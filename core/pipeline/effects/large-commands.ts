import { type ObjectRef, ObjectRefRefusedError, type ObjectStore } from "../../ports/object-store.js";
import type { OutgoingMessage } from "../../ports/transport.js";

/**
 * The body of a message whose command request was too large for its queue:
 * `{"eddLargeCommand": {"store": "s3", "bucket": "…", "key": "…", "bytes": 300000}}`.
 * The stored object is the exact `POST /command` JSON.
 */
export interface LargeCommandReference {
  readonly eddLargeCommand: ObjectRef & { readonly bytes: number };
}

/** Room left for attributes and envelope overhead, which SQS counts against its 256 KB. */
const attributeAllowanceBytes = 4 * 1024;

export function byteLength(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

/** Returns the message unchanged when it fits, else stores its body and returns a message carrying the reference. */
export async function offloadIfLarge(
  message: OutgoingMessage,
  maxBodyBytes: number,
  store: ObjectStore | undefined,
): Promise<OutgoingMessage> {
  const bytes = byteLength(message.body);
  if (bytes <= maxBodyBytes - attributeAllowanceBytes) return message;
  if (store === undefined) {
    throw new Error(
      `The command is ${bytes} bytes, more than the queue accepts (${maxBodyBytes}); configure an object store for large commands.`,
    );
  }
  // Keyed by the idempotency key: a republished command overwrites its own object with the same bytes.
  const key = `edd-large-commands/${await sha256Hex(message.deduplicationId)}.json`;
  const ref = await store.put(key, message.body);
  const reference: LargeCommandReference = { eddLargeCommand: { ...ref, bytes } };
  return { ...message, body: JSON.stringify(reference) };
}

export function parseLargeCommandReference(body: string): LargeCommandReference["eddLargeCommand"] | undefined {
  // Cheap test first: ordinary command bodies never start like this.
  if (!body.trimStart().startsWith('{"eddLargeCommand"')) return undefined;
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed !== "object" || parsed === null || !("eddLargeCommand" in parsed)) return undefined;
  const ref = parsed.eddLargeCommand;
  if (typeof ref !== "object" || ref === null) return undefined;
  const { store, key, bucket, bytes } = ref as Record<string, unknown>;
  if (typeof store !== "string" || typeof key !== "string") return undefined;
  return { store, key, bytes: typeof bytes === "number" ? bytes : 0, ...(typeof bucket === "string" ? { bucket } : {}) };
}

/** The command request JSON a message stands for: the body itself, or the object it refers to. */
export async function resolveLargeCommand(body: string, store: ObjectStore | undefined): Promise<string> {
  const ref = parseLargeCommandReference(body);
  if (ref === undefined) return body;
  // No store configured is a deployment to fix (retry); a store of another kind refuses (permanent).
  if (store === undefined) throw new Error(`The message refers to a large command in a "${ref.store}" store, and none is configured here.`);
  if (store.kind !== ref.store) {
    throw new ObjectRefRefusedError(
      `The message refers to a large command in a "${ref.store}" store; this consumer reads "${store.kind}".`,
    );
  }
  return store.get(ref);
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
