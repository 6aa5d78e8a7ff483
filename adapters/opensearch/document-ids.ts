import { createHash } from "node:crypto";

/** OpenSearch refuses a document `_id` longer than this many UTF-8 bytes (and an empty one). */
export const maxDocumentIdBytes = 512;
const hashedPrefix = "edd-sha256-";

/**
 * The `_id` a view document is stored under: its id when OpenSearch accepts it, else
 * `edd-sha256-<hex of the id>` (75 bytes). Ids that already start with that prefix are hashed
 * too, so two ids never share an `_id`. The real id stays in the document's `id` field, which is
 * what reads and searches answer with.
 *
 * Why here and not a byte limit on the envelope: the limit is OpenSearch's alone (PostgreSQL has
 * none), view ids are chosen by projections and need not be aggregate ids, and history that other
 * stores hold must still project. One bad id must never stop a realm's projector.
 */
export function documentId(id: string): string {
  if (id !== "" && !id.startsWith(hashedPrefix) && Buffer.byteLength(id, "utf8") <= maxDocumentIdBytes) return id;
  return `${hashedPrefix}${createHash("sha256").update(id, "utf8").digest("hex")}`;
}
