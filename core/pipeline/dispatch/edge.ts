import type { CommandRequest } from "../../model/envelope.js";
import { EddError } from "../../model/errors.js";
import { isTrustedService, type Principal } from "../../model/principal.js";
import { findUnstorable, type StorableProblem } from "../../model/storable.js";

/**
 * The first check of every entry (HTTP, queue consumers, Lambda, Azure, Cloud Run all dispatch
 * here), before anything is logged or stored: the principal and the whole input hold only text
 * every store can hold and nest no deeper than the limit.
 */
export function edgeError(input: unknown, principal: Principal): EddError | undefined {
  for (const [path, value] of [
    ["principal.id", principal.id],
    ["principal.realm", principal.realm],
  ] as const) {
    const problem = typeof value === "string" ? findUnstorable(value, path) : { path, message: "is not a string" };
    if (problem !== undefined) {
      return new EddError(
        "invalid-principal",
        `The authenticated principal cannot be stored: ${problem.path} ${problem.message}. Fix the identity provider's claims.`,
        [problem],
      );
    }
  }
  const problem = findUnstorable(input);
  if (problem === undefined) return undefined;
  return new EddError("invalid-envelope", `The request cannot be stored: ${problem.path || "the body"} ${problem.message}.`, [problem]);
}

/**
 * Fields only the trusted path (effects, queue consumers) writes. From anyone else they are
 * refused, never ignored: a client's breadcrumbs could name the idempotency key of an effect it
 * wants to suppress, and a client's `meta.cause` would forge an effect's provenance in the log.
 * With them refused, every untrusted request is keyed `requestId:0` and every effect
 * `requestId:0.i…`: no client can create an effect's key.
 */
export function forgedFieldsError(request: CommandRequest): EddError | undefined {
  const forged: StorableProblem[] = [];
  if (request.breadcrumbs !== undefined) {
    forged.push({ path: "breadcrumbs", message: "is set by effects and queue consumers only; leave it out" });
  }
  if (request.meta !== undefined && Object.hasOwn(request.meta, "cause")) {
    forged.push({ path: "meta.cause", message: "is set by effects only; use another key" });
  }
  if (request.meta !== undefined && Object.hasOwn(request.meta, "initiator")) {
    forged.push({
      path: "meta.initiator",
      message: "is set by effects and queue consumers only; the initiator is the authenticated principal",
    });
  }
  if (forged.length === 0) return undefined;
  return new EddError("invalid-envelope", "The request sets fields only the system may set.", forged);
}

/**
 * The principal a query runs as. A query may name a realm: its caller's own (a no-op), or, for a
 * trusted service principal asking on behalf of a user of that realm, any other.
 */
export function principalForQuery(principal: Principal, realm: string | undefined, trusted: boolean): Principal | EddError {
  if (realm === undefined || realm === principal.realm) return principal;
  if (!trusted && !isTrustedService(principal)) {
    return new EddError("forbidden", `Only a trusted service principal may read another realm than its own (${principal.realm}).`, [
      { path: "realm", message: "names a realm the principal does not belong to" },
    ]);
  }
  return { ...principal, realm };
}
