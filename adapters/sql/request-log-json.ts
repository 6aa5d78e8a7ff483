import type { LoggedPrincipal } from "../../core/ports/store.js";
import { jsonColumnText } from "./json-text.js";

/**
 * How the request log's JSON columns are stored, and read back. A command request's `requestId` and
 * `interactionId` already have their own columns: the body keeps the rest of the envelope, wrapped
 * in a one-element array. No logged body is an array (accepted ones are envelopes, refused ones are
 * text), so the wrapper alone says the ids were taken out; bodies stored before, and any body whose
 * ids differ from the columns, stay as they were. A principal drops its realm when it is the row's.
 * The select lists put everything back in SQL, so every reader gets the same jsonb as before. The
 * columns are json (migration 8): cast to jsonb here, where the merge needs it, and only on read; the
 * stored text is refused where jsonb refused it (json-text.ts).
 */
export function storedBody(entry: { readonly requestId: string; readonly interactionId: string; readonly body: unknown }): string {
  const { body } = entry;
  if (typeof body === "object" && body !== null && !Array.isArray(body)) {
    const { requestId, interactionId, ...rest } = body as Record<string, unknown>;
    if (requestId === entry.requestId && interactionId === entry.interactionId) return jsonColumnText([rest]);
  }
  return jsonColumnText(body ?? null);
}

export function storedPrincipal(realm: string, principal: LoggedPrincipal | undefined): string | null {
  if (principal === undefined) return null;
  if (principal.realm !== realm) return jsonColumnText(principal);
  const { realm: _, ...rest } = principal;
  return jsonColumnText(rest);
}

/** The body as it was logged, for a select list over `request_log AS r`. */
export const bodyAsLogged = `CASE WHEN json_typeof(r.body) = 'array'
    THEN (r.body::jsonb->0) || jsonb_build_object('requestId', r.request_id, 'interactionId', r.interaction_id) ELSE r.body::jsonb END`;

/** The principal as it was logged (null stays null), for a select list over `request_log AS r`. */
export const principalAsLogged =
  "CASE WHEN r.principal::jsonb ? 'realm' THEN r.principal::jsonb ELSE r.principal::jsonb || jsonb_build_object('realm', r.realm) END";
