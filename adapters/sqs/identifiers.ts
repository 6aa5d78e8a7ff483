import { createHash } from "node:crypto";

/** What SQS accepts for MessageDeduplicationId and MessageGroupId: 1–128 printable ASCII characters, no space. */
const sqsIdentifier = /^[\x21-\x7e]{1,128}$/;

/**
 * Idempotency keys (`<uuid>:0.1.2`) and aggregate ids usually pass unchanged; a longer one, or one
 * with characters SQS refuses, becomes its SHA-256 hex digest (64 characters), the same every time.
 */
export function sqsIdentifierFor(value: string): string {
  return sqsIdentifier.test(value) ? value : createHash("sha256").update(value).digest("hex");
}
