import type { EventMeta } from "../../core/model/events.js";
import { jsonColumnText } from "./json-text.js";

/**
 * How `events.meta` is stored (migration 8): `user` and `actor` are left out when both equal
 * `initiator`, as they do on every event of a request a principal sent itself. Every meta has a
 * `user`, so a stored meta with an initiator but neither user nor actor is such a row, and each read
 * puts both back (rows.ts): the meta an event was hashed with is the one every reader gets. Rows
 * stored before, and any meta whose three differ, stay whole. The text is refused where jsonb refused it
 * (json-text.ts).
 */
export function storedMeta(meta: EventMeta): string {
  const { user, actor, ...rest } = meta;
  const { initiator } = meta;
  if (initiator !== undefined && user === initiator && actor === initiator) return jsonColumnText(rest);
  if (user === undefined && actor === undefined && initiator !== undefined) {
    // It would read back with both: no valid meta lacks a user, so an import brought a broken one.
    throw new Error(`an event's meta has an initiator but no user: it cannot be stored as it is (request ${meta.requestId})`);
  }
  return jsonColumnText(meta);
}

/** The meta as it was written, from the stored form. */
export function metaAsWritten(stored: EventMeta): EventMeta {
  const { initiator } = stored;
  if (initiator === undefined || stored.user !== undefined || stored.actor !== undefined) return stored;
  return { ...stored, user: initiator, actor: initiator };
}
