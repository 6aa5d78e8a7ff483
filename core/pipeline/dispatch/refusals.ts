import { rootBreadcrumbs } from "../../model/breadcrumbs.js";
import type { Principal } from "../../model/principal.js";
import { storableText } from "../../model/storable.js";
import type { LoggedPrincipal } from "../../ports/store.js";
import type { DispatchResult } from "../../model/result.js";
import type { EngineContext as Runtime } from "../engine-context.js";
import { sha256Hex } from "../../model/sha256.js";

/** Characters of a refused request's body kept in the request log; its sha256 covers all of it. */
export const refusedBodyCap = 4096;

/** A request refused before the pipeline ran it: at authentication, body limit, JSON or envelope check. */
export interface Refusal {
  readonly kind: "command" | "query";
  /** The authenticated principal; absent when authentication itself refused the request. */
  readonly principal?: Principal;
  /** The body as received: raw text, or the parsed value. Absent when it was never read (too large). */
  readonly body?: unknown;
  readonly result: DispatchResult;
  readonly receivedAt: Date;
}

/** The realm a refusal whose sender is unknown (authentication failed) is logged under. */
export const unauthenticatedRealm = "default";

/**
 * Logs a refused request, bounded: the body cut to `refusedBodyCap` characters of storable text
 * beside the sha256 of all of it, the outcome with its code and message. It never throws: a request
 * the log cannot take (a store outage) is answered all the same, and one refusal cannot fail another.
 */
export async function logRefusal(rt: Runtime, refusal: Refusal): Promise<void> {
  try {
    const text = bodyText(refusal.body);
    const principal = refusal.principal === undefined ? undefined : loggedPrincipal(refusal.principal, "refused");
    const realm = principal?.realm ?? unauthenticatedRealm;
    const { body, status } = refusal.result;
    // The answer echoes the ids it could read; an entry's own refusal did not read them: take them from the body.
    const ids = { ...idsOf(refusal.body), ...idsOf(body) };
    const logId = await rt.store.logRequest({
      realm,
      requestId: cleanId(ids.requestId),
      interactionId: cleanId(ids.interactionId),
      invocationId: body.invocationId,
      breadcrumbs: rootBreadcrumbs,
      kind: refusal.kind,
      body: text === undefined ? null : storableText(text.slice(0, refusedBodyCap)),
      receivedAt: refusal.receivedAt.toISOString(),
      ...(principal === undefined ? {} : { principal }),
      ...(text === undefined ? {} : { bodySha256: await sha256Hex(text) }),
    });
    const error = "error" in body ? body.error : undefined;
    await rt.store.recordOutcome(realm, logId, {
      status,
      ...(error === undefined ? {} : { errorCode: error.code, errorMessage: error.message }),
      finishedAt: rt.clock.now().toISOString(),
    });
  } catch (error) {
    rt.logger.error("refused request not logged", { error: error instanceof Error ? error.message : String(error) });
  }
}

/** The principal as the request log keeps it, every field storable (a refusal may be about exactly that). */
export function loggedPrincipal(principal: Principal, fallbackMethod: string): LoggedPrincipal {
  const text = (value: unknown) => (typeof value === "string" ? storableText(value) : "");
  return {
    id: text(principal.id),
    realm: text(principal.realm),
    roles: Array.isArray(principal.roles) ? principal.roles.map(text) : [],
    method: text(principal.authenticatedBy ?? fallbackMethod),
  };
}

function bodyText(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  if (typeof body === "string") return body;
  try {
    return JSON.stringify(body) ?? String(body);
  } catch {
    // Nested too deep for JSON.stringify: the cap would cut it anyway.
    return "(a value JSON cannot write)";
  }
}

function idsOf(value: unknown): { requestId?: unknown; interactionId?: unknown } {
  let record = value;
  if (typeof value === "string" && value.length <= 1024 * 1024) {
    try {
      record = JSON.parse(value);
    } catch {
      return {};
    }
  }
  if (typeof record !== "object" || record === null) return {};
  const { requestId, interactionId } = record as Record<string, unknown>;
  return { ...(requestId === undefined ? {} : { requestId }), ...(interactionId === undefined ? {} : { interactionId }) };
}

const idPattern = /^[\w.:-]{1,100}$/;
const cleanId = (value: unknown) => (typeof value === "string" && idPattern.test(value) ? value : "");
